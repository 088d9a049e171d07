namespace Teski.Application.Common.Settings;

/// <summary>The v2 rule settings (v2-schema.md, "Rules"); names are the environment variables'.</summary>
public sealed record V2RuleSettings
{
    /// <summary><c>DAILY_REVIEW_CAP</c>.</summary>
    public int DailyReviewCap { get; init; } = 60;

    /// <summary><c>SRS_LEEWAY_MIN</c>.</summary>
    public int SrsLeewayMinutes { get; init; } = 10;

    /// <summary><c>XP_BASE</c>.</summary>
    public int XpBase { get; init; } = 10;

    /// <summary><c>XP_MASTERY_BONUS</c>.</summary>
    public int XpMasteryBonus { get; init; } = 50;

    /// <summary><c>AB_BUCKETS</c>: comma list or JSON array.</summary>
    public IReadOnlyList<string> AbBuckets { get; init; } = ["control", "variant_a"];

    /// <summary><c>PERSONA_DEFAULT</c>.</summary>
    public string PersonaDefault { get; init; } = "Calm";

    /// <summary><c>KILL_SWITCH</c>: v2 endpoints answer 503, next-reviews is empty.</summary>
    public bool KillSwitch { get; init; }
}

/// <summary>The legacy rule settings (legacy-schema.md, "Settings the legacy app reads").</summary>
public sealed record LegacyRuleSettings
{
    /// <summary><c>TESKI_MEMORY_HALFLIFE_DAYS</c>.</summary>
    public double HalfLifeDays { get; init; } = 7.0;

    /// <summary><c>TESKI_SRS_DAILY_CAP</c>.</summary>
    public int SrsDailyCap { get; init; } = 6;

    /// <summary><c>TESKI_SRS_QUEUE_BACKOFF</c>.</summary>
    public int SrsQueueBackoff { get; init; } = 20;

    /// <summary><c>TESKI_MEMORY_DISABLE</c>.</summary>
    public bool MemoryDisabled { get; init; }

    /// <summary><c>TESKI_SRS_EASINESS</c>.</summary>
    public double SrsEasiness { get; init; } = 2.3;

    /// <summary><c>TESKI_WARMUP_MAX</c>.</summary>
    public int WarmupMax { get; init; } = 2;

    /// <summary>The zone the legacy app assumed for everyone.</summary>
    public string DefaultTimeZone { get; init; } = "Europe/Helsinki";
}
