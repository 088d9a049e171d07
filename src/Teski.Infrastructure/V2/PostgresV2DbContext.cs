using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Teski.Infrastructure.V2;

/// <summary>The v2 store on PostgreSQL: native uuid, timestamptz (NodaTime <c>Instant</c>), jsonb, boolean.</summary>
public sealed class PostgresV2DbContext(DbContextOptions<PostgresV2DbContext> options) : V2DbContext(options)
{
    protected override string ColumnType(V2ColumnKind kind, int? maxLength = null) => kind switch
    {
        V2ColumnKind.Uuid => "uuid",
        V2ColumnKind.DateTime => "timestamp with time zone",
        V2ColumnKind.Json => "jsonb",
        V2ColumnKind.Bool => "boolean",
        V2ColumnKind.Whole => "integer",
        V2ColumnKind.BigWhole => "bigint",
        V2ColumnKind.Real => "double precision",
        V2ColumnKind.Varchar => maxLength is null ? "character varying" : $"character varying({maxLength})",
        V2ColumnKind.Text => "text",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    protected override void ConfigureMirrorBacklogKey(EntityTypeBuilder<MirrorBacklogRow> e)
    {
        e.HasKey(x => x.Id);
        // GENERATED ALWAYS: PostgreSQL refuses a seq the statement names, so the sequence alone keeps seq unique (the
        // unique index it had was one more index entry per insert and per non-HOT update, ADR 0004 addendum).
        e.Property(x => x.Seq).HasColumnType("bigint").UseIdentityAlwaysColumn();
        // Room on each page for a claim's new row version: a claim changes no indexed column (next_attempt_at,
        // attempts), so with free space on the page it is a HOT update and writes no index entry. At the default (100)
        // a fresh record's page was often full (61 % of claims were HOT in the probe), and a claim without room
        // inserted an entry into each of the table's indexes.
        e.HasStorageParameter("fillfactor", 50);
    }
}
