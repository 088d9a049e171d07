using NodaTime;
using NodaTime.Calendars;

namespace Teski.Domain.Xp;

/// <summary>Legacy leaderboard points per <c>pointsevent.event_type</c> (legacy-schema.md, "Leaderboard / points").</summary>
public static class LeaderboardPoints
{
    public const string TaskCompleted = "task_completed";
    public const string StreakBonus = "streak_bonus";
    public const string DeadlineBeaten = "deadline_beaten";

    /// <summary>
    /// The default points of an event type. An unknown type has no default: 0, meaning the caller must give an
    /// explicit amount (awarding 0 points would only add an empty row).
    /// </summary>
    public static int Default(string eventType) => eventType switch
    {
        TaskCompleted => 10,
        StreakBonus => 5,
        DeadlineBeaten => 3,
        _ => 0,
    };

    /// <summary>An explicit amount overrides the default (even 0 or a negative correction).</summary>
    public static int Resolve(string eventType, int? explicitAmount) => explicitAmount ?? Default(eventType);
}

/// <summary>A <c>weeklyscore</c> key: the ISO-8601 week-year and week.</summary>
public readonly record struct IsoWeek(int WeekYear, int WeekNumber)
{
    /// <summary>The ISO week of the UTC date of <paramref name="utc"/> (the legacy app used the UTC award time).</summary>
    public static IsoWeek Of(Instant utc)
    {
        var date = utc.InUtc().Date;
        var rule = WeekYearRules.Iso;
        return new IsoWeek(rule.GetWeekYear(date), rule.GetWeekOfWeekYear(date));
    }

    public override string ToString() => $"{WeekYear:D4}-W{WeekNumber:D2}";
}
