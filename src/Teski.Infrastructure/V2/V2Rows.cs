using NodaTime;

namespace Teski.Infrastructure.V2;

// Persistence rows of the v2 store, one class per table of v2-schema.md / docs/v2-physical-layout.md.
// They mirror the stored columns one to one (names in V2DbContext); domain types are mapped from them elsewhere.
// JSON columns are raw JSON text so the bytes the previous stack wrote survive a read/write round trip.

/// <summary>Table <c>user</c>.</summary>
public sealed class V2UserRow
{
    public Guid Id { get; set; }
    public Instant CreatedAt { get; set; }
    public string Timezone { get; set; } = "UTC";
    public string? DisplayName { get; set; }
    public string? Email { get; set; }
    public int StreakDays { get; set; }
    public Instant? LastStreakAt { get; set; }
    public string? Persona { get; set; }
    public bool IsPro { get; set; }
    public Instant? ProUntil { get; set; }
    public string? InstitutionId { get; set; }
    public bool AnalyticsConsent { get; set; } = true;
    public bool IsInstitutionAdmin { get; set; }
}

/// <summary>Table <c>task</c>.</summary>
public sealed class V2TaskRow
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public string Title { get; set; } = "";
    public string? Course { get; set; }
    public Instant DueAt { get; set; }
    public Instant CreatedAt { get; set; }
}

/// <summary>Table <c>memoryitem</c>.</summary>
public sealed class MemoryItemRow
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public Guid? TaskId { get; set; }
    public string Concept { get; set; } = "";
    public double Ease { get; set; } = 2.5;
    public int Interval { get; set; } = 1;
    public Instant DueAt { get; set; }
    public double Stability { get; set; }
    public double Difficulty { get; set; } = 0.3;
    public int Lapses { get; set; }
}

/// <summary>Table <c>mistake</c>.</summary>
public sealed class MistakeRow
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public Guid? TaskId { get; set; }
    public string Concept { get; set; } = "";
    public string Subtype { get; set; } = "other";
    public string Raw { get; set; } = "";
    public Instant CreatedAt { get; set; }
}

/// <summary>Table <c>reviewlog</c>.</summary>
public sealed class ReviewLogRow
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public Guid MemoryId { get; set; }
    public int Grade { get; set; }
    public Instant ScheduledFor { get; set; }
    public Instant ReviewedAt { get; set; }
    public Instant NextDueAt { get; set; }
    public int DeltaSeconds { get; set; }
}

/// <summary>Table <c>personastate</c>.</summary>
public sealed class PersonaStateRow
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public string Persona { get; set; } = "";
    public Instant? WarmupTs { get; set; }
}

/// <summary>Table <c>badge</c>.</summary>
public sealed class BadgeRow
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public string Kind { get; set; } = "";
    public Instant AcquiredAt { get; set; }
}

/// <summary>Table <c>abtestassignment</c>.</summary>
public sealed class AbTestAssignmentRow
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public string Experiment { get; set; } = "";
    public string Bucket { get; set; } = "";
    public Instant AssignedAt { get; set; }
}

/// <summary>Table <c>analyticsevent</c>.</summary>
public sealed class AnalyticsEventRow
{
    public Guid Id { get; set; }
    public Guid? UserId { get; set; }
    public string Kind { get; set; } = "";

    /// <summary>Raw JSON text.</summary>
    public string Payload { get; set; } = "{}";
    public Instant Ts { get; set; }
}

/// <summary>Table <c>xpevent</c>.</summary>
public sealed class XpEventRow
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public int Amount { get; set; }
    public string Reason { get; set; } = "";
    public Instant Ts { get; set; }
}

/// <summary>Table <c>legacy_user_map</c>.</summary>
public sealed class LegacyUserMapRow
{
    public int LegacyUserId { get; set; }
    public Guid UserId { get; set; }
}

/// <summary>Table <c>legacy_task_map</c>.</summary>
public sealed class LegacyTaskMapRow
{
    public string LegacyTaskId { get; set; } = "";
    public Guid TaskId { get; set; }
}

/// <summary>Table <c>legacy_task_detail</c> (added by this project): legacy task columns with no v2 column.</summary>
public sealed class LegacyTaskDetailRow
{
    public Guid TaskId { get; set; }

    /// <summary>Raw JSON object text; keys are the legacy column names.</summary>
    public string Detail { get; set; } = "{}";
}

/// <summary>Table <c>legacy_row_link</c> (added): a v2 row standing for a legacy row whose id is not the stable one.</summary>
public sealed class LegacyRowLinkRow
{
    public string Entity { get; set; } = "";
    public string LegacyId { get; set; } = "";
    public Guid V2Id { get; set; }
}

/// <summary>Table <c>migration_checkpoint</c> (added): backfill resume point per entity.</summary>
public sealed class MigrationCheckpointRow
{
    public string Entity { get; set; } = "";
    public string? LastLegacyId { get; set; }
    public long RowsDone { get; set; }
    public bool Completed { get; set; }
    public Instant UpdatedAt { get; set; }
}

/// <summary>Table <c>teski_mirror_backlog</c> (added): transactional outbox of writes still to mirror.</summary>
public sealed class MirrorBacklogRow : Persistence.IMirrorBacklogRow
{
    public Guid Id { get; set; }

    /// <summary>Store-assigned, strictly increasing; the mirror's processing order.</summary>
    public long Seq { get; set; }

    /// <summary>Per-user ordering key.</summary>
    public string Stream { get; set; } = "";
    public string Kind { get; set; } = "";

    /// <summary>Raw JSON text.</summary>
    public string Payload { get; set; } = "{}";
    public Instant CreatedAt { get; set; }
    public int Attempts { get; set; }
    public Instant NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public Instant? AppliedAt { get; set; }
}

/// <summary>Table <c>teski_mirror_applied</c> (added): mirror writes already applied here (exactly-once).</summary>
public sealed class MirrorAppliedRow : Persistence.IMirrorAppliedRow
{
    public Guid RecordId { get; set; }
    public Instant AppliedAt { get; set; }
}
