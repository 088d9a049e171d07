using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Teski.Infrastructure.V2;

/// <summary>
/// The v2 store on SQLite, byte-compatible with the previous stack's <c>teski_v2.db</c>: SQLAlchemy stored UUIDs as
/// CHAR(32) lowercase hex and datetimes as naive-UTC TEXT, and rows written here must be indistinguishable from its
/// rows (the previous stack and the dual-write bridge may still read them, and string comparison must keep working).
/// </summary>
public sealed class SqliteV2DbContext(DbContextOptions<SqliteV2DbContext> options) : V2DbContext(options)
{
    protected override string ColumnType(V2ColumnKind kind, int? maxLength = null) => kind switch
    {
        V2ColumnKind.Uuid => "CHAR(32)",
        V2ColumnKind.DateTime => "DATETIME",
        V2ColumnKind.Json => "JSON",
        V2ColumnKind.Bool => "BOOLEAN",
        V2ColumnKind.Whole => "INTEGER",
        V2ColumnKind.BigWhole => "BIGINT",
        V2ColumnKind.Real => "FLOAT",
        V2ColumnKind.Varchar => maxLength is null ? "VARCHAR" : $"VARCHAR({maxLength})",
        V2ColumnKind.Text => "TEXT",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        // Applies to Guid? as well (EF skips converters for nulls), so nullable foreign keys get the same text.
        configurationBuilder.Properties<Guid>().HaveConversion<SqliteGuidConverter>();
        configurationBuilder.Properties<NodaTime.Instant>().HaveConversion<SqliteInstantConverter>();
    }

    protected override void ConfigureMirrorBacklogKey(EntityTypeBuilder<MirrorBacklogRow> e)
    {
        // SQLite can only autoincrement an INTEGER PRIMARY KEY (the rowid), so here `seq` is the key and `id` is a
        // unique alternate; AUTOINCREMENT also guarantees a seq is never reused after the last row is deleted.
        e.HasKey(x => x.Seq);
        e.Property(x => x.Seq).HasColumnType("INTEGER").HasAnnotation("Sqlite:Autoincrement", true);
        e.HasIndex(x => x.Id, "teski_ux_mirror_backlog_id").IsUnique();
    }
}
