using Teski.Infrastructure.Migration.Sql;

namespace Teski.Infrastructure.Migration;

/// <summary>The v2 tables the backfill writes, with the physical kind of each column it fills (docs/v2-physical-layout.md).</summary>
internal static class V2Tables
{
    public static readonly TableSpec User = TableSpec.Of("user",
        ("id", Col.Uuid), ("created_at", Col.Time), ("timezone", Col.Text), ("display_name", Col.Text), ("email", Col.Text),
        ("streak_days", Col.Int), ("persona", Col.Text), ("is_pro", Col.Bool), ("analytics_consent", Col.Bool), ("is_institution_admin", Col.Bool));

    public static readonly TableSpec UserMap = TableSpec.Of("legacy_user_map", ("legacy_user_id", Col.Int), ("user_id", Col.Uuid));

    public static readonly TableSpec Task = TableSpec.Of("task",
        ("id", Col.Uuid), ("user_id", Col.Uuid), ("title", Col.Text), ("course", Col.Text), ("due_at", Col.Time), ("created_at", Col.Time));

    public static readonly TableSpec TaskDetail = TableSpec.Of("legacy_task_detail", ("task_id", Col.Uuid), ("detail", Col.Json));

    public static readonly TableSpec TaskMap = TableSpec.Of("legacy_task_map", ("legacy_task_id", Col.Text), ("task_id", Col.Uuid));

    public static readonly TableSpec Mistake = TableSpec.Of("mistake",
        ("id", Col.Uuid), ("user_id", Col.Uuid), ("task_id", Col.Uuid), ("concept", Col.Text), ("subtype", Col.Text), ("raw", Col.Text), ("created_at", Col.Time));

    public static readonly TableSpec MemoryItem = TableSpec.Of("memoryitem",
        ("id", Col.Uuid), ("user_id", Col.Uuid), ("task_id", Col.Uuid), ("concept", Col.Text), ("ease", Col.Double), ("interval", Col.Int),
        ("due_at", Col.Time), ("stability", Col.Double), ("difficulty", Col.Double), ("lapses", Col.Int));

    public static readonly TableSpec ReviewLog = TableSpec.Of("reviewlog",
        ("id", Col.Uuid), ("user_id", Col.Uuid), ("memory_id", Col.Uuid), ("grade", Col.Int), ("scheduled_for", Col.Time),
        ("reviewed_at", Col.Time), ("next_due_at", Col.Time), ("delta_seconds", Col.Int));

    public static readonly TableSpec XpEvent = TableSpec.Of("xpevent",
        ("id", Col.Uuid), ("user_id", Col.Uuid), ("amount", Col.Int), ("reason", Col.Text), ("ts", Col.Time));

    public static readonly TableSpec AnalyticsEvent = TableSpec.Of("analyticsevent",
        ("id", Col.Uuid), ("user_id", Col.Uuid), ("kind", Col.Text), ("payload", Col.Json), ("ts", Col.Time));

    public static readonly TableSpec PersonaState = TableSpec.Of("personastate",
        ("id", Col.Uuid), ("user_id", Col.Uuid), ("persona", Col.Text), ("warmup_ts", Col.Time));

    public static readonly TableSpec RowLink = TableSpec.Of("legacy_row_link", ("entity", Col.Text), ("legacy_id", Col.Text), ("v2_id", Col.Uuid));

    /// <summary>Every table the backfill inserts into.</summary>
    public static readonly IReadOnlyList<TableSpec> All = [User, UserMap, Task, TaskDetail, TaskMap, Mistake, MemoryItem, ReviewLog, XpEvent, AnalyticsEvent, PersonaState, RowLink];
}
