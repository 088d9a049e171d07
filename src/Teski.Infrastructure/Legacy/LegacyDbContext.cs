using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Teski.Infrastructure.Legacy;

/// <summary>
/// The legacy tables exactly as the legacy app stores them, on SQLite or PostgreSQL (chosen by the options; build
/// them with <see cref="LegacyDbContextFactory"/>). The model never creates or migrates these tables.
/// </summary>
/// <remarks>
/// Datetime columns: SQLite TEXT <c>YYYY-MM-DD HH:MM:SS.ffffff</c>; PostgreSQL <c>timestamp without time zone</c>.
/// Either way the stored wall time is UTC except for the three "tz-aware" columns, which hold Helsinki wall time
/// (<see cref="LegacyTime"/>). LINQ comparisons run on the stored form: on SQLite the text, which orders correctly for
/// the canonical format written here but not for hand-edited variants (offset, <c>T</c>); on both providers the
/// Helsinki columns compare wall times, which do not order correctly across the repeated autumn hour. Filter those
/// in memory when it matters.
/// </remarks>
public sealed class LegacyDbContext : DbContext
{
    public LegacyDbContext(DbContextOptions<LegacyDbContext> options)
        : base(options)
    {
        HasErrorSubtype = options.FindExtension<LegacyModelOptionsExtension>()?.HasErrorSubtype ?? true;
    }

    /// <summary>Whether <c>mistake_logs.error_subtype</c> is mapped (older databases lack the column).</summary>
    public bool HasErrorSubtype { get; }

    public DbSet<LegacyUserRow> Users => Set<LegacyUserRow>();
    public DbSet<LegacyTaskRow> Tasks => Set<LegacyTaskRow>();
    public DbSet<LegacyReminderRow> Reminders => Set<LegacyReminderRow>();
    public DbSet<LegacyPersonaRow> Personas => Set<LegacyPersonaRow>();
    public DbSet<LegacyMistakeLogRow> MistakeLogs => Set<LegacyMistakeLogRow>();
    public DbSet<LegacyMemoryStatsRow> MemoryStats => Set<LegacyMemoryStatsRow>();
    public DbSet<LegacyResurfacePlanRow> ResurfacePlans => Set<LegacyResurfacePlanRow>();
    public DbSet<LegacyReviewCardRow> ReviewCards => Set<LegacyReviewCardRow>();
    public DbSet<LegacyTaskTemplateRow> TaskTemplates => Set<LegacyTaskTemplateRow>();
    public DbSet<LegacyTaskInstanceRow> TaskInstances => Set<LegacyTaskInstanceRow>();
    public DbSet<LegacyTaskAttemptRow> TaskAttempts => Set<LegacyTaskAttemptRow>();
    public DbSet<LegacyLeaderboardRow> Leaderboards => Set<LegacyLeaderboardRow>();
    public DbSet<LegacyLeaderboardMemberRow> LeaderboardMembers => Set<LegacyLeaderboardMemberRow>();
    public DbSet<LegacyPointsEventRow> PointsEvents => Set<LegacyPointsEventRow>();
    public DbSet<LegacyWeeklyScoreRow> WeeklyScores => Set<LegacyWeeklyScoreRow>();
    public DbSet<LegacyAnalyticsEventRow> AnalyticsEvents => Set<LegacyAnalyticsEventRow>();
    public DbSet<MirrorBacklogRow> MirrorBacklog => Set<MirrorBacklogRow>();
    public DbSet<MirrorAppliedRow> MirrorApplied => Set<MirrorAppliedRow>();
    public DbSet<RowLinkRow> RowLinks => Set<RowLinkRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var sqlite = Database.IsSqlite();

        modelBuilder.Entity<LegacyUserRow>().ToTable("user");
        modelBuilder.Entity<LegacyTaskRow>(e =>
        {
            e.ToTable("task");
            e.Property(x => x.Id).ValueGeneratedNever();
        });
        modelBuilder.Entity<LegacyReminderRow>().ToTable("reminder");
        modelBuilder.Entity<LegacyPersonaRow>(e =>
        {
            e.ToTable("personas");
            Json(e.Property(x => x.Config), sqlite);
        });
        modelBuilder.Entity<LegacyMistakeLogRow>(e =>
        {
            e.ToTable("mistake_logs");
            Json(e.Property(x => x.Detail), sqlite);
            if (!HasErrorSubtype)
            {
                e.Ignore(x => x.ErrorSubtype);
            }
        });
        modelBuilder.Entity<LegacyMemoryStatsRow>().ToTable("memory_stats");
        modelBuilder.Entity<LegacyResurfacePlanRow>().ToTable("resurface_plans");
        modelBuilder.Entity<LegacyReviewCardRow>().ToTable("review_cards");
        modelBuilder.Entity<LegacyTaskTemplateRow>(e =>
        {
            e.ToTable("task_templates");
            Json(e.Property(x => x.Parameters), sqlite);
            Json(e.Property(x => x.Constraints), sqlite);
            Json(e.Property(x => x.AnswerSpec), sqlite);
        });
        modelBuilder.Entity<LegacyTaskInstanceRow>(e =>
        {
            e.ToTable("task_instances");
            Json(e.Property(x => x.Params), sqlite);
        });
        modelBuilder.Entity<LegacyTaskAttemptRow>(e =>
        {
            e.ToTable("task_attempts");
            Json(e.Property(x => x.SubmittedAnswer), sqlite);
        });
        modelBuilder.Entity<LegacyLeaderboardRow>().ToTable("leaderboard");
        modelBuilder.Entity<LegacyLeaderboardMemberRow>().ToTable("leaderboardmember");
        modelBuilder.Entity<LegacyPointsEventRow>(e =>
        {
            e.ToTable("pointsevent");
            Json(e.Property(x => x.Meta), sqlite);
        });
        modelBuilder.Entity<LegacyWeeklyScoreRow>().ToTable("weeklyscore");
        modelBuilder.Entity<LegacyAnalyticsEventRow>(e =>
        {
            e.ToTable("analytics_events");
            Json(e.Property(x => x.Meta), sqlite);
        });

        var helsinkiColumns = new HashSet<(Type, string)>
        {
            (typeof(LegacyUserRow), nameof(LegacyUserRow.CreatedAt)),
            (typeof(LegacyTaskRow), nameof(LegacyTaskRow.DueIso)),
            (typeof(LegacyReminderRow), nameof(LegacyReminderRow.CreatedAt)),
        };

        // Legacy tables: every datetime gets its column's wall-time convention, every column its snake_case name.
        foreach (var entity in modelBuilder.Model.GetEntityTypes().ToList())
        {
            var builder = modelBuilder.Entity(entity.ClrType);
            foreach (var clr in entity.ClrType.GetProperties())
            {
                if (clr.PropertyType != typeof(Instant) && clr.PropertyType != typeof(Instant?))
                {
                    continue;
                }
                var helsinki = helsinkiColumns.Contains((entity.ClrType, clr.Name));
                var property = builder.Property(clr.PropertyType, clr.Name);
                if (sqlite)
                {
                    property.HasConversion(helsinki ? LegacyConverters.HelsinkiText : LegacyConverters.UtcText);
                }
                else
                {
                    // DateTime (Kind Unspecified) rather than NodaTime's LocalDateTime as the provider type: the
                    // Npgsql NodaTime plugin's LocalDateTime mapping drops a composed value converter.
                    property.HasConversion(helsinki ? LegacyConverters.HelsinkiWallDateTime : LegacyConverters.UtcWallDateTime)
                        .HasColumnType("timestamp without time zone");
                }
            }
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }

        // Support tables (added after the loop: they follow docs/v2-physical-layout.md, not the legacy conventions).
        modelBuilder.Entity<MirrorBacklogRow>(e =>
        {
            e.ToTable("teski_mirror_backlog");
            e.HasKey(x => x.Id);
            e.Property(x => x.Seq).ValueGeneratedOnAdd();
            e.Property(x => x.Payload).HasColumnType(sqlite ? "JSON" : "jsonb");
            Support(e.Property(x => x.Id), sqlite);
            Support(e.Property(x => x.CreatedAt), sqlite);
            Support(e.Property(x => x.NextAttemptAt), sqlite);
            Support(e.Property(x => x.AppliedAt), sqlite);
        });
        modelBuilder.Entity<MirrorAppliedRow>(e =>
        {
            e.ToTable("teski_mirror_applied");
            e.HasKey(x => x.RecordId);
            Support(e.Property(x => x.RecordId), sqlite);
            Support(e.Property(x => x.AppliedAt), sqlite);
        });
        modelBuilder.Entity<RowLinkRow>(e =>
        {
            e.ToTable("legacy_row_link");
            e.HasKey(x => new { x.Entity, x.LegacyId });
            Support(e.Property(x => x.V2Id), sqlite);
        });
        foreach (var type in new[] { typeof(MirrorBacklogRow), typeof(MirrorAppliedRow), typeof(RowLinkRow) })
        {
            foreach (var property in modelBuilder.Model.FindEntityType(type)!.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    // On PostgreSQL the legacy JSON columns are `json` (SQLAlchemy's JSON type there), which keeps the text verbatim.
    private static void Json(PropertyBuilder property, bool sqlite)
    {
        if (!sqlite)
        {
            property.HasColumnType("json");
        }
    }

    // SQLite: uuid as CHAR(32) hex, datetimes as naive UTC text. PostgreSQL: native uuid / timestamptz (NodaTime plugin).
    private static void Support(PropertyBuilder property, bool sqlite)
    {
        if (!sqlite)
        {
            return;
        }
        if (property.Metadata.ClrType == typeof(Guid))
        {
            property.HasConversion(LegacyConverters.GuidHex);
        }
        else
        {
            property.HasConversion(LegacyConverters.UtcText);
        }
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])))
            {
                sb.Append('_');
            }
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}

/// <summary>The value conversions between in-memory <see cref="Instant"/>s and the legacy columns' stored forms.</summary>
public static class LegacyConverters
{
    /// <summary>SQLite naive-UTC DATETIME text.</summary>
    public static ValueConverter<Instant, string> UtcText { get; } =
        new(v => LegacyTime.FormatUtc(v), v => LegacyTime.ParseUtc(v));

    /// <summary>SQLite Helsinki wall-time DATETIME text.</summary>
    public static ValueConverter<Instant, string> HelsinkiText { get; } =
        new(v => LegacyTime.FormatHelsinki(v), v => LegacyTime.ParseHelsinki(v));

    /// <summary>PostgreSQL <c>timestamp without time zone</c> holding UTC wall time (as an unspecified-kind DateTime).</summary>
    public static ValueConverter<Instant, DateTime> UtcWallDateTime { get; } =
        new(v => LegacyTime.ToUtcWallTime(v).ToDateTimeUnspecified(), v => LegacyTime.FromUtcWallTime(LocalDateTime.FromDateTime(v)));

    /// <summary>PostgreSQL <c>timestamp without time zone</c> holding Helsinki wall time (as an unspecified-kind DateTime).</summary>
    public static ValueConverter<Instant, DateTime> HelsinkiWallDateTime { get; } =
        new(v => LegacyTime.ToHelsinkiWallTime(v).ToDateTimeUnspecified(), v => LegacyTime.FromHelsinkiWallTime(LocalDateTime.FromDateTime(v)));

    /// <summary>SQLite uuid: CHAR(32) lowercase hex without hyphens (hyphenated text is accepted on read).</summary>
    public static ValueConverter<Guid, string> GuidHex { get; } =
        new(v => v.ToString("N"), v => Guid.Parse(v));
}

/// <summary>Carries the <c>error_subtype</c> flag in the context options so pooled contexts can be built from options alone.</summary>
internal sealed class LegacyModelOptionsExtension(bool hasErrorSubtype) : IDbContextOptionsExtension
{
    private DbContextOptionsExtensionInfo? _info;

    public bool HasErrorSubtype { get; } = hasErrorSubtype;

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(LegacyModelOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => $"LegacyErrorSubtype={extension.HasErrorSubtype} ";

        // The flag only changes the model (keyed by LegacyModelCacheKeyFactory), not the internal services.
        public override int GetServiceProviderHashCode() => 0;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) =>
            debugInfo["Legacy:HasErrorSubtype"] = extension.HasErrorSubtype.ToString();
    }
}

/// <summary>Two models per provider: with and without <c>mistake_logs.error_subtype</c>.</summary>
internal sealed class LegacyModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime) => context is LegacyDbContext legacy
        ? (context.GetType(), legacy.HasErrorSubtype, designTime)
        : (context.GetType(), designTime);
}
