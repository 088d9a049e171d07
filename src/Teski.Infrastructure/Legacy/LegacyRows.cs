using NodaTime;

namespace Teski.Infrastructure.Legacy;

// Persistence shapes of the legacy tables, one property per column (snake_case of the property name is the column
// name; LegacyDbContext relies on that). They are not domain types: enum columns stay the stored NAME strings
// (see LegacyNames.cs) and JSON columns stay raw text, because old rows hold values the domain would reject and
// the legacy app must keep reading them unchanged. Datetimes are Instants: the context converts each column's
// convention (naive UTC or Helsinki wall time) so in memory every instant is the true one.

/// <summary><c>"user"</c>.</summary>
public sealed class LegacyUserRow
{
    public int Id { get; set; }
    /// <summary>A UUID string; NULL in very old rows.</summary>
    public string? ExternalUserId { get; set; }
    public string Email { get; set; } = "";
    public string? DisplayName { get; set; }
    public string HashedPassword { get; set; } = "";
    /// <summary>A <see cref="LegacyRoles"/> name.</summary>
    public string Role { get; set; } = LegacyRoles.Student;
    /// <summary>Stored as Helsinki wall time.</summary>
    public Instant CreatedAt { get; set; }
    public bool Onboarded { get; set; }
    public Instant? OnboardedAt { get; set; }
}

/// <summary><c>task</c>.</summary>
public sealed class LegacyTaskRow
{
    /// <summary>Free-form string key (<c>canvas-123</c>, <c>gmail-abc</c>, <c>v2-&lt;hex&gt;</c>).</summary>
    public string Id { get; set; } = "";
    /// <summary>A <see cref="LegacyTaskSources"/> value.</summary>
    public string Source { get; set; } = LegacyTaskSources.Mock;
    public string Title { get; set; } = "";
    public string? Course { get; set; }
    public string? Link { get; set; }
    /// <summary>Stored as Helsinki wall time.</summary>
    public Instant DueIso { get; set; }
    /// <summary>A <see cref="LegacyTaskStatuses"/> value.</summary>
    public string Status { get; set; } = LegacyTaskStatuses.Open;
    public double Confidence { get; set; } = 1.0;
    /// <summary>1 low, 2 medium, 3 high.</summary>
    public int Priority { get; set; } = 1;
    public string? Notes { get; set; }
    /// <summary>A string: the legacy integer user id as digits, or a user's <c>external_user_id</c>, or NULL.</summary>
    public string? OwnerUserId { get; set; }
    public string? TaskType { get; set; }
    public int? EstimatedMinutes { get; set; }
    public Instant? SuggestedStartUtc { get; set; }
    /// <summary>JSON text in a VARCHAR column (not a JSON column, also on PostgreSQL).</summary>
    public string? SignalsJson { get; set; }
    /// <summary>ISO text in a VARCHAR column, kept verbatim; <see cref="LegacyTime.TryParse"/> reads it.</summary>
    public string? CompletedAt { get; set; }
}

/// <summary><c>reminder</c>.</summary>
public sealed class LegacyReminderRow
{
    public int Id { get; set; }
    public string TaskId { get; set; } = "";
    /// <summary>A <see cref="LegacyEscalations"/> value.</summary>
    public string Escalation { get; set; } = LegacyEscalations.Calm;
    public string Persona { get; set; } = "";
    /// <summary>Stored as Helsinki wall time.</summary>
    public Instant CreatedAt { get; set; }
    public string? ScriptHints { get; set; }
}

/// <summary><c>personas</c>.</summary>
public sealed class LegacyPersonaRow
{
    public int Id { get; set; }
    public string Code { get; set; } = "";
    public string DisplayName { get; set; } = "";
    /// <summary>JSON text, NOT NULL.</summary>
    public string Config { get; set; } = "{}";
    public Instant CreatedAt { get; set; }
}

/// <summary><c>mistake_logs</c>.</summary>
public sealed class LegacyMistakeLogRow
{
    public int Id { get; set; }
    public int UserId { get; set; }
    public int? SkillId { get; set; }
    public string? TemplateCode { get; set; }
    public int? InstanceId { get; set; }
    public string ErrorType { get; set; } = "other";
    /// <summary>Absent from older databases: then always null on read and not stored on write.</summary>
    public string? ErrorSubtype { get; set; }
    /// <summary>JSON text; may be invalid JSON in old rows (SQLite).</summary>
    public string? Detail { get; set; }
    public double Weight { get; set; } = 1.0;
    public Instant OccurredAt { get; set; }
    public Instant? ResolvedAt { get; set; }
}

/// <summary><c>memory_stats</c>.</summary>
public sealed class LegacyMemoryStatsRow
{
    public int Id { get; set; }
    public int UserId { get; set; }
    public int? SkillId { get; set; }
    public int MistakeCount { get; set; }
    public Instant? LastMissedAt { get; set; }
    public Instant? LastMasteredAt { get; set; }
    public double Stability { get; set; } = 0.3;
}

/// <summary><c>resurface_plans</c>.</summary>
public sealed class LegacyResurfacePlanRow
{
    public int Id { get; set; }
    public int UserId { get; set; }
    public int? SkillId { get; set; }
    public string? TemplateCode { get; set; }
    public Instant ScheduledFor { get; set; }
    /// <summary>A <see cref="LegacyResurfacePlanStatuses"/> value.</summary>
    public string Status { get; set; } = LegacyResurfacePlanStatuses.Pending;
    public Instant CreatedAt { get; set; }
}

/// <summary><c>review_cards</c>.</summary>
public sealed class LegacyReviewCardRow
{
    public int Id { get; set; }
    public int UserId { get; set; }
    public int? SkillId { get; set; }
    public string? TemplateCode { get; set; }
    public double Easiness { get; set; } = 2.3;
    public double Stability { get; set; } = 0.3;
    public double LastIntervalDays { get; set; }
    public Instant NextReviewAt { get; set; }
    /// <summary>A <see cref="LegacyReviewCardStatuses"/> value.</summary>
    public string Status { get; set; } = LegacyReviewCardStatuses.Scheduled;
    public bool? LastResult { get; set; }
    public Instant UpdatedAt { get; set; }
}

/// <summary>
/// <c>task_templates</c>. The spec lists <c>id, code, title, skill_id, ...</c>; the remaining columns are those of the
/// legacy <c>TaskTemplate</c> model, mapped so rows written here satisfy its NOT NULL columns.
/// </summary>
public sealed class LegacyTaskTemplateRow
{
    public int Id { get; set; }
    public string Code { get; set; } = "";
    public string Title { get; set; } = "";
    public int SkillId { get; set; }
    /// <summary>Enum NAME as stored: <c>NUMERIC</c>, <c>MULTIPLE_CHOICE</c>, <c>SHORT_TEXT</c>.</summary>
    public string TaskType { get; set; } = "NUMERIC";
    public string TextTemplate { get; set; } = "";
    /// <summary>JSON text.</summary>
    public string? Parameters { get; set; }
    /// <summary>JSON text.</summary>
    public string? Constraints { get; set; }
    /// <summary>JSON text.</summary>
    public string? AnswerSpec { get; set; }
    public Instant CreatedAt { get; set; }
}

/// <summary><c>task_instances</c>.</summary>
public sealed class LegacyTaskInstanceRow
{
    public int Id { get; set; }
    public int TemplateId { get; set; }
    public int UserId { get; set; }
    public string Seed { get; set; } = "";
    /// <summary>JSON text.</summary>
    public string? Params { get; set; }
    public string RenderedText { get; set; } = "";
    public Instant CreatedAt { get; set; }
}

/// <summary><c>task_attempts</c>.</summary>
public sealed class LegacyTaskAttemptRow
{
    public int Id { get; set; }
    public int InstanceId { get; set; }
    public int UserId { get; set; }
    /// <summary>JSON text.</summary>
    public string? SubmittedAnswer { get; set; }
    public bool IsCorrect { get; set; }
    public int? LatencyMs { get; set; }
    public Instant CreatedAt { get; set; }
}

/// <summary><c>leaderboard</c>.</summary>
public sealed class LegacyLeaderboardRow
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string? CourseId { get; set; }
    public string JoinCode { get; set; } = "";
    public Instant CreatedAt { get; set; }
    public int CreatorUserId { get; set; }
}

/// <summary><c>leaderboardmember</c>.</summary>
public sealed class LegacyLeaderboardMemberRow
{
    public int Id { get; set; }
    public int LeaderboardId { get; set; }
    public int UserId { get; set; }
    public Instant JoinedAt { get; set; }
    public bool DisplayConsent { get; set; }
}

/// <summary><c>pointsevent</c>.</summary>
public sealed class LegacyPointsEventRow
{
    public int Id { get; set; }
    public int LeaderboardId { get; set; }
    public int UserId { get; set; }
    public string EventType { get; set; } = "";
    public int Points { get; set; }
    public Instant OccurredAt { get; set; }
    /// <summary>JSON text.</summary>
    public string? Meta { get; set; }
}

/// <summary><c>weeklyscore</c>.</summary>
public sealed class LegacyWeeklyScoreRow
{
    public int Id { get; set; }
    public int LeaderboardId { get; set; }
    public int UserId { get; set; }
    public int WeekYear { get; set; }
    public int WeekNumber { get; set; }
    public int Points { get; set; }
}

/// <summary><c>analytics_events</c>.</summary>
public sealed class LegacyAnalyticsEventRow
{
    public int Id { get; set; }
    /// <summary>A string, like <c>task.owner_user_id</c>.</summary>
    public string UserId { get; set; } = "";
    public string EventType { get; set; } = "";
    public Instant Ts { get; set; }
    /// <summary>JSON text.</summary>
    public string? Meta { get; set; }
}

/// <summary><c>teski_mirror_backlog</c>: the transactional outbox of writes still to mirror into the v2 store.</summary>
public sealed class MirrorBacklogRow : Persistence.IMirrorBacklogRow
{
    public Guid Id { get; set; }
    /// <summary>Assigned by the database on insert (SQLite: AUTOINCREMENT rowid; PostgreSQL: identity), never reused.</summary>
    public long Seq { get; set; }
    /// <summary>Per-user ordering key.</summary>
    public string Stream { get; set; } = "";
    public string Kind { get; set; } = "";
    /// <summary>JSON text.</summary>
    public string Payload { get; set; } = "{}";
    public Instant CreatedAt { get; set; }
    public int Attempts { get; set; }
    public Instant NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public Instant? AppliedAt { get; set; }
}

/// <summary><c>teski_mirror_applied</c>: mirror writes already applied to this store (exactly-once).</summary>
public sealed class MirrorAppliedRow : Persistence.IMirrorAppliedRow
{
    public Guid RecordId { get; set; }
    public Instant AppliedAt { get; set; }
}

/// <summary><c>legacy_row_link</c>: a v2 row standing for a legacy row whose id is not <c>StableId.For(entity, legacy_id)</c>.</summary>
public sealed class RowLinkRow
{
    public string Entity { get; set; } = "";
    public string LegacyId { get; set; } = "";
    public Guid V2Id { get; set; }
}
