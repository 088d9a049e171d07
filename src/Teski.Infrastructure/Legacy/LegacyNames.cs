namespace Teski.Infrastructure.Legacy;

// SQLAlchemy stores a Python Enum member's NAME, not its value. For UserRole the two differ (name STUDENT,
// value "student"); for the other legacy enums name == value. These constants are the stored strings.

/// <summary><c>user.role</c> as stored: the <c>UserRole</c> member names.</summary>
public static class LegacyRoles
{
    public const string Student = "STUDENT";
    public const string Educator = "EDUCATOR";
    public const string InstitutionAdmin = "INSTITUTION_ADMIN";
    public const string TeskiAdmin = "TESKI_ADMIN";

    public static IReadOnlyList<string> All { get; } = [Student, Educator, InstitutionAdmin, TeskiAdmin];

    public static bool IsKnown(string? name) => name is not null && All.Contains(name, StringComparer.Ordinal);

    /// <summary>The stored name for a role value the Python API exposed (<c>"student"</c> → <c>STUDENT</c>); null when unknown.</summary>
    public static string? FromValue(string? value) =>
        value is null ? null : All.FirstOrDefault(n => n.Equals(value, StringComparison.OrdinalIgnoreCase));

    /// <summary>The Python enum value for a stored name (<c>STUDENT</c> → <c>"student"</c>).</summary>
    public static string ToValue(string name) => name.ToLowerInvariant();
}

/// <summary><c>task.source</c> as stored.</summary>
public static class LegacyTaskSources
{
    public const string Gmail = "gmail";
    public const string Canvas = "canvas";
    public const string Mock = "mock";
    public const string Ics = "ics";

    public static IReadOnlyList<string> All { get; } = [Gmail, Canvas, Mock, Ics];
}

/// <summary><c>task.status</c> as stored.</summary>
public static class LegacyTaskStatuses
{
    public const string Open = "open";
    public const string Done = "done";
    public const string Overdue = "overdue";

    public static IReadOnlyList<string> All { get; } = [Open, Done, Overdue];
}

/// <summary><c>reminder.escalation</c> as stored.</summary>
public static class LegacyEscalations
{
    public const string Calm = "calm";
    public const string Snark = "snark";
    public const string Disappointed = "disappointed";
    public const string Intervention = "intervention";

    public static IReadOnlyList<string> All { get; } = [Calm, Snark, Disappointed, Intervention];
}

/// <summary><c>resurface_plans.status</c> as stored.</summary>
public static class LegacyResurfacePlanStatuses
{
    public const string Pending = "pending";
    public const string Served = "served";
    public const string Completed = "completed";
    public const string Skipped = "skipped";
}

/// <summary><c>review_cards.status</c> as stored.</summary>
public static class LegacyReviewCardStatuses
{
    public const string Due = "due";
    public const string Scheduled = "scheduled";
    public const string Served = "served";
    public const string Completed = "completed";
    public const string Skipped = "skipped";
}
