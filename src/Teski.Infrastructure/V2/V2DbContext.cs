using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace Teski.Infrastructure.V2;

/// <summary>The logical column types of docs/v2-physical-layout.md; each provider names its physical type.</summary>
public enum V2ColumnKind
{
    Uuid,
    DateTime,
    Json,
    Bool,
    /// <summary>32-bit integer.</summary>
    Whole,

    /// <summary>64-bit integer.</summary>
    BigWhole,

    /// <summary>Double precision float.</summary>
    Real,

    /// <summary>Variable-length string, optionally with a maximum length.</summary>
    Varchar,

    /// <summary>Unbounded text.</summary>
    Text,
}

/// <summary>
/// The v2 store. Table and column names are exactly those of v2-schema.md, so the previous stack's database can be
/// adopted as it is. The physical types differ per provider, so each provider has its own subclass (and its own
/// migration set): <see cref="SqliteV2DbContext"/> and <see cref="PostgresV2DbContext"/>.
/// </summary>
public abstract class V2DbContext : DbContext
{
    protected V2DbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<V2UserRow> Users => Set<V2UserRow>();
    public DbSet<V2TaskRow> Tasks => Set<V2TaskRow>();
    public DbSet<MemoryItemRow> MemoryItems => Set<MemoryItemRow>();
    public DbSet<MistakeRow> Mistakes => Set<MistakeRow>();
    public DbSet<ReviewLogRow> ReviewLogs => Set<ReviewLogRow>();
    public DbSet<PersonaStateRow> PersonaStates => Set<PersonaStateRow>();
    public DbSet<BadgeRow> Badges => Set<BadgeRow>();
    public DbSet<AbTestAssignmentRow> AbTestAssignments => Set<AbTestAssignmentRow>();
    public DbSet<AnalyticsEventRow> AnalyticsEvents => Set<AnalyticsEventRow>();
    public DbSet<XpEventRow> XpEvents => Set<XpEventRow>();
    public DbSet<LegacyUserMapRow> LegacyUserMaps => Set<LegacyUserMapRow>();
    public DbSet<LegacyTaskMapRow> LegacyTaskMaps => Set<LegacyTaskMapRow>();
    public DbSet<LegacyTaskDetailRow> LegacyTaskDetails => Set<LegacyTaskDetailRow>();
    public DbSet<LegacyRowLinkRow> LegacyRowLinks => Set<LegacyRowLinkRow>();
    public DbSet<MigrationCheckpointRow> MigrationCheckpoints => Set<MigrationCheckpointRow>();
    public DbSet<MirrorBacklogRow> MirrorBacklog => Set<MirrorBacklogRow>();
    public DbSet<MirrorAppliedRow> MirrorApplied => Set<MirrorAppliedRow>();

    /// <summary>The provider's physical type for a logical column type (see docs/v2-physical-layout.md).</summary>
    protected abstract string ColumnType(V2ColumnKind kind, int? maxLength = null);

    /// <summary>Provider-specific mapping of <c>teski_mirror_backlog</c>: its key and how <c>seq</c> is generated.</summary>
    protected abstract void ConfigureMirrorBacklogKey(EntityTypeBuilder<MirrorBacklogRow> e);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // The previous stack indexed through its own `ix_<table>_<column>` indexes; EF's automatic FK indexes would be
        // named `IX_<table>_<column>`, which SQLite treats as the same name (identifiers are case-insensitive) and so
        // would collide when adopting its database. Every index this project wants is declared explicitly instead.
        configurationBuilder.Conventions.Remove<ForeignKeyIndexConvention>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        BaselineTables(modelBuilder);
        TeskiAdditions(modelBuilder);
    }

    private PropertyBuilder<T> Col<T>(PropertyBuilder<T> p, string name, V2ColumnKind kind, int? maxLength = null)
    {
        p.HasColumnName(name).HasColumnType(ColumnType(kind, maxLength));
        if (maxLength is not null)
        {
            p.HasMaxLength(maxLength.Value);
        }
        return p;
    }

    /// <summary>The tables of v2-schema.md as the previous stack (SQLModel <c>create_all</c>) made them: migration 1.</summary>
    private void BaselineTables(ModelBuilder b)
    {
        b.Entity<V2UserRow>(e =>
        {
            e.ToTable("user");
            e.HasKey(x => x.Id);
            Col(e.Property(x => x.Id), "id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.CreatedAt), "created_at", V2ColumnKind.DateTime);
            Col(e.Property(x => x.Timezone), "timezone", V2ColumnKind.Varchar);
            Col(e.Property(x => x.DisplayName), "display_name", V2ColumnKind.Varchar);
            Col(e.Property(x => x.StreakDays), "streak_days", V2ColumnKind.Whole);
            Col(e.Property(x => x.LastStreakAt), "last_streak_at", V2ColumnKind.DateTime);
            Col(e.Property(x => x.Persona), "persona", V2ColumnKind.Varchar);
            Col(e.Property(x => x.IsPro), "is_pro", V2ColumnKind.Bool);
            Col(e.Property(x => x.ProUntil), "pro_until", V2ColumnKind.DateTime);
            Col(e.Property(x => x.Email), "email", V2ColumnKind.Varchar, 255);
            Col(e.Property(x => x.InstitutionId), "institution_id", V2ColumnKind.Varchar, 36);
            // The previous stack added these two with server defaults (existing rows got them); EF always sends the
            // value (ValueGeneratedNever) so `false` is never mistaken for "not set" and replaced by the default.
            Col(e.Property(x => x.AnalyticsConsent), "analytics_consent", V2ColumnKind.Bool).HasDefaultValue(true).ValueGeneratedNever();
            Col(e.Property(x => x.IsInstitutionAdmin), "is_institution_admin", V2ColumnKind.Bool).HasDefaultValue(false).ValueGeneratedNever();
        });

        b.Entity<V2TaskRow>(e =>
        {
            e.ToTable("task");
            e.HasKey(x => x.Id);
            Col(e.Property(x => x.Id), "id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.UserId), "user_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.Title), "title", V2ColumnKind.Varchar);
            Col(e.Property(x => x.Course), "course", V2ColumnKind.Varchar);
            Col(e.Property(x => x.DueAt), "due_at", V2ColumnKind.DateTime);
            Col(e.Property(x => x.CreatedAt), "created_at", V2ColumnKind.DateTime);
            e.HasOne<V2UserRow>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.NoAction);
        });

        b.Entity<MemoryItemRow>(e =>
        {
            e.ToTable("memoryitem");
            e.HasKey(x => x.Id);
            Col(e.Property(x => x.Id), "id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.UserId), "user_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.TaskId), "task_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.Concept), "concept", V2ColumnKind.Varchar);
            Col(e.Property(x => x.Ease), "ease", V2ColumnKind.Real);
            Col(e.Property(x => x.Interval), "interval", V2ColumnKind.Whole);
            Col(e.Property(x => x.DueAt), "due_at", V2ColumnKind.DateTime);
            Col(e.Property(x => x.Stability), "stability", V2ColumnKind.Real);
            Col(e.Property(x => x.Difficulty), "difficulty", V2ColumnKind.Real);
            Col(e.Property(x => x.Lapses), "lapses", V2ColumnKind.Whole);
            e.HasOne<V2UserRow>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.NoAction);
            e.HasOne<V2TaskRow>().WithMany().HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.NoAction);
        });

        b.Entity<MistakeRow>(e =>
        {
            e.ToTable("mistake");
            e.HasKey(x => x.Id);
            Col(e.Property(x => x.Id), "id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.UserId), "user_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.TaskId), "task_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.Concept), "concept", V2ColumnKind.Varchar);
            Col(e.Property(x => x.Subtype), "subtype", V2ColumnKind.Varchar);
            Col(e.Property(x => x.Raw), "raw", V2ColumnKind.Text);
            Col(e.Property(x => x.CreatedAt), "created_at", V2ColumnKind.DateTime);
            e.HasOne<V2UserRow>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.NoAction);
            e.HasOne<V2TaskRow>().WithMany().HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.NoAction);
        });

        b.Entity<ReviewLogRow>(e =>
        {
            e.ToTable("reviewlog");
            e.HasKey(x => x.Id);
            Col(e.Property(x => x.Id), "id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.UserId), "user_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.MemoryId), "memory_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.Grade), "grade", V2ColumnKind.Whole);
            Col(e.Property(x => x.ScheduledFor), "scheduled_for", V2ColumnKind.DateTime);
            Col(e.Property(x => x.ReviewedAt), "reviewed_at", V2ColumnKind.DateTime);
            Col(e.Property(x => x.NextDueAt), "next_due_at", V2ColumnKind.DateTime);
            Col(e.Property(x => x.DeltaSeconds), "delta_seconds", V2ColumnKind.Whole);
            e.HasOne<V2UserRow>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.NoAction);
            e.HasOne<MemoryItemRow>().WithMany().HasForeignKey(x => x.MemoryId).OnDelete(DeleteBehavior.NoAction);
        });

        b.Entity<PersonaStateRow>(e =>
        {
            e.ToTable("personastate");
            e.HasKey(x => x.Id);
            Col(e.Property(x => x.Id), "id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.UserId), "user_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.Persona), "persona", V2ColumnKind.Varchar);
            Col(e.Property(x => x.WarmupTs), "warmup_ts", V2ColumnKind.DateTime);
            e.HasOne<V2UserRow>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.NoAction);
        });

        b.Entity<BadgeRow>(e =>
        {
            e.ToTable("badge");
            e.HasKey(x => x.Id);
            Col(e.Property(x => x.Id), "id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.UserId), "user_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.Kind), "kind", V2ColumnKind.Varchar);
            Col(e.Property(x => x.AcquiredAt), "acquired_at", V2ColumnKind.DateTime);
            e.HasOne<V2UserRow>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.NoAction);
        });

        b.Entity<AbTestAssignmentRow>(e =>
        {
            e.ToTable("abtestassignment");
            e.HasKey(x => x.Id);
            Col(e.Property(x => x.Id), "id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.UserId), "user_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.Experiment), "experiment", V2ColumnKind.Varchar);
            Col(e.Property(x => x.Bucket), "bucket", V2ColumnKind.Varchar);
            Col(e.Property(x => x.AssignedAt), "assigned_at", V2ColumnKind.DateTime);
            e.HasOne<V2UserRow>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.NoAction);
        });

        b.Entity<AnalyticsEventRow>(e =>
        {
            e.ToTable("analyticsevent");
            e.HasKey(x => x.Id);
            Col(e.Property(x => x.Id), "id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.UserId), "user_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.Kind), "kind", V2ColumnKind.Varchar);
            Col(e.Property(x => x.Payload), "payload", V2ColumnKind.Json);
            Col(e.Property(x => x.Ts), "ts", V2ColumnKind.DateTime);
            e.HasOne<V2UserRow>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.NoAction);
        });

        b.Entity<XpEventRow>(e =>
        {
            e.ToTable("xpevent");
            e.HasKey(x => x.Id);
            Col(e.Property(x => x.Id), "id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.UserId), "user_id", V2ColumnKind.Uuid);
            Col(e.Property(x => x.Amount), "amount", V2ColumnKind.Whole);
            Col(e.Property(x => x.Reason), "reason", V2ColumnKind.Varchar);
            Col(e.Property(x => x.Ts), "ts", V2ColumnKind.DateTime);
            e.HasOne<V2UserRow>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.NoAction);
        });

        b.Entity<LegacyUserMapRow>(e =>
        {
            e.ToTable("legacy_user_map");
            e.HasKey(x => x.LegacyUserId);
            // The key is the legacy user's id, never generated here.
            Col(e.Property(x => x.LegacyUserId), "legacy_user_id", V2ColumnKind.Whole).ValueGeneratedNever();
            Col(e.Property(x => x.UserId), "user_id", V2ColumnKind.Uuid);
            e.HasOne<V2UserRow>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.NoAction);
        });

        b.Entity<LegacyTaskMapRow>(e =>
        {
            e.ToTable("legacy_task_map");
            e.HasKey(x => x.LegacyTaskId);
            Col(e.Property(x => x.LegacyTaskId), "legacy_task_id", V2ColumnKind.Varchar).ValueGeneratedNever();
            Col(e.Property(x => x.TaskId), "task_id", V2ColumnKind.Uuid);
            e.HasOne<V2TaskRow>().WithMany().HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.NoAction);
        });
    }

    /// <summary>The indexes and tables this project adds (docs/v2-physical-layout.md): migration 2.</summary>
    private void TeskiAdditions(ModelBuilder b)
    {
        // Names start with `teski_` so they never meet the previous stack's `ix_<table>_<column>` indexes.
        b.Entity<MemoryItemRow>(e =>
        {
            e.HasIndex(x => new { x.UserId, x.Concept }, "teski_ux_memoryitem_user_concept").IsUnique();
            e.HasIndex(x => new { x.UserId, x.DueAt }, "teski_ix_memoryitem_user_due");
        });
        b.Entity<ReviewLogRow>(e =>
        {
            e.HasIndex(x => new { x.UserId, x.ReviewedAt }, "teski_ix_reviewlog_user_reviewed");
            e.HasIndex(x => new { x.MemoryId, x.ReviewedAt }, "teski_ix_reviewlog_memory_reviewed");
        });
        b.Entity<MistakeRow>().HasIndex(x => new { x.UserId, x.CreatedAt }, "teski_ix_mistake_user_created");
        b.Entity<XpEventRow>().HasIndex(x => new { x.UserId, x.Ts }, "teski_ix_xpevent_user_ts");
        b.Entity<AnalyticsEventRow>().HasIndex(x => new { x.UserId, x.Ts }, "teski_ix_analyticsevent_user_ts");
        b.Entity<AbTestAssignmentRow>().HasIndex(x => new { x.UserId, x.Experiment }, "teski_ux_abtestassignment_user_experiment").IsUnique();
        b.Entity<BadgeRow>().HasIndex(x => new { x.UserId, x.Kind }, "teski_ux_badge_user_kind").IsUnique();
        b.Entity<PersonaStateRow>().HasIndex(x => x.UserId, "teski_ux_personastate_user").IsUnique();
        b.Entity<LegacyUserMapRow>().HasIndex(x => x.UserId, "teski_ix_legacy_user_map_user");
        b.Entity<LegacyTaskMapRow>().HasIndex(x => x.TaskId, "teski_ix_legacy_task_map_task");

        b.Entity<LegacyTaskDetailRow>(e =>
        {
            e.ToTable("legacy_task_detail");
            e.HasKey(x => x.TaskId);
            Col(e.Property(x => x.TaskId), "task_id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.Detail), "detail", V2ColumnKind.Json);
            e.HasOne<V2TaskRow>().WithOne().HasForeignKey<LegacyTaskDetailRow>(x => x.TaskId).OnDelete(DeleteBehavior.NoAction);
        });

        b.Entity<LegacyRowLinkRow>(e =>
        {
            e.ToTable("legacy_row_link");
            e.HasKey(x => new { x.Entity, x.LegacyId });
            Col(e.Property(x => x.Entity), "entity", V2ColumnKind.Varchar);
            Col(e.Property(x => x.LegacyId), "legacy_id", V2ColumnKind.Varchar);
            Col(e.Property(x => x.V2Id), "v2_id", V2ColumnKind.Uuid);
        });

        b.Entity<MigrationCheckpointRow>(e =>
        {
            e.ToTable("migration_checkpoint");
            e.HasKey(x => x.Entity);
            Col(e.Property(x => x.Entity), "entity", V2ColumnKind.Varchar).ValueGeneratedNever();
            Col(e.Property(x => x.LastLegacyId), "last_legacy_id", V2ColumnKind.Varchar);
            Col(e.Property(x => x.RowsDone), "rows_done", V2ColumnKind.BigWhole);
            Col(e.Property(x => x.Completed), "completed", V2ColumnKind.Bool);
            Col(e.Property(x => x.UpdatedAt), "updated_at", V2ColumnKind.DateTime);
        });

        b.Entity<MirrorBacklogRow>(e =>
        {
            e.ToTable("teski_mirror_backlog");
            Col(e.Property(x => x.Id), "id", V2ColumnKind.Uuid).ValueGeneratedNever();
            e.Property(x => x.Seq).HasColumnName("seq").ValueGeneratedOnAdd();
            Col(e.Property(x => x.Stream), "stream", V2ColumnKind.Varchar);
            Col(e.Property(x => x.Kind), "kind", V2ColumnKind.Varchar);
            Col(e.Property(x => x.Payload), "payload", V2ColumnKind.Json);
            Col(e.Property(x => x.CreatedAt), "created_at", V2ColumnKind.DateTime);
            Col(e.Property(x => x.Attempts), "attempts", V2ColumnKind.Whole);
            Col(e.Property(x => x.NextAttemptAt), "next_attempt_at", V2ColumnKind.DateTime);
            Col(e.Property(x => x.LastError), "last_error", V2ColumnKind.Varchar);
            Col(e.Property(x => x.AppliedAt), "applied_at", V2ColumnKind.DateTime);
            // The backlog keeps its applied rows for a while (the audit of what was mirrored), so every query for pending records
            // (a stream's head, the periodic pass, the gauges) reads partial indexes that hold the pending ones only:
            // their cost follows the backlog, not the table's history. No query reads a stream's applied records, so
            // the table has no index over all of them (it had one: an entry per insert and per mark, read by nothing).
            e.HasIndex(x => new { x.Stream, x.Seq }, "teski_ix_mirror_backlog_pending_stream_seq").HasFilter("applied_at IS NULL");
            e.HasIndex(x => x.Seq, "teski_ix_mirror_backlog_pending_seq").HasFilter("applied_at IS NULL");
            // The applied history is kept for a while (MirrorRetention) and then pruned oldest first: this index lets
            // the prune find what is due without reading the table. Its entries go in at the mark, in time order.
            e.HasIndex(x => x.AppliedAt, "teski_ix_mirror_backlog_applied_at").HasFilter("applied_at IS NOT NULL");
            ConfigureMirrorBacklogKey(e);
        });

        b.Entity<MirrorAppliedRow>(e =>
        {
            e.ToTable("teski_mirror_applied");
            e.HasKey(x => x.RecordId);
            Col(e.Property(x => x.RecordId), "record_id", V2ColumnKind.Uuid).ValueGeneratedNever();
            Col(e.Property(x => x.AppliedAt), "applied_at", V2ColumnKind.DateTime);
            // The ledger's prune reads its oldest entries (MirrorBackgroundService, MirrorRetention).
            e.HasIndex(x => x.AppliedAt, "teski_ix_mirror_applied_applied_at");
        });
    }
}
