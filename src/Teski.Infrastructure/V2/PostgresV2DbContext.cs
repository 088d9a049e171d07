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
        e.Property(x => x.Seq).HasColumnType("bigint").UseIdentityAlwaysColumn();
        e.HasIndex(x => x.Seq, "teski_ux_mirror_backlog_seq").IsUnique();
    }
}
