using NodaTime;

namespace Teski.Domain.Memory;

/// <summary>Legacy <c>review_cards.status</c>; stored as the lowercase wire name.</summary>
public enum LegacyCardStatus
{
    Due,
    Scheduled,
    Served,
    Completed,
    Skipped,
}

public static class LegacyCardStatusWire
{
    public static string ToWire(this LegacyCardStatus status) => status switch
    {
        LegacyCardStatus.Due => "due",
        LegacyCardStatus.Scheduled => "scheduled",
        LegacyCardStatus.Served => "served",
        LegacyCardStatus.Completed => "completed",
        LegacyCardStatus.Skipped => "skipped",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParse(string? wire, out LegacyCardStatus status)
    {
        foreach (var candidate in Enum.GetValues<LegacyCardStatus>())
        {
            if (string.Equals(candidate.ToWire(), wire?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    public static LegacyCardStatus Parse(string wire) =>
        TryParse(wire, out var status) ? status : throw new FormatException($"Unknown review card status '{wire}'.");
}

/// <summary>What the legacy <c>POST /api/v1/memory/review/result</c> answers.</summary>
public sealed record LegacyReviewResult(Instant NextReviewAt, double Easiness, double IntervalDays);

/// <summary>
/// A legacy <c>review_cards</c> row with the legacy SM-2 variant (legacy-schema.md, "review result"). Kept while
/// the legacy API is served and dual-written; its numbers differ from <see cref="MemoryItem"/> on purpose.
/// </summary>
public sealed class LegacyReviewCard
{
    public const double DefaultEasiness = 2.3;
    public const double InitialStability = 0.3;
    public const double MinimumEasiness = 1.3;

    /// <summary>How soon a card comes back after a mistake on its template.</summary>
    public static readonly Duration MistakeResurfaceDelay = Duration.FromMinutes(20);

    private LegacyReviewCard(
        long id, long userId, long? skillId, string? templateCode, double easiness, double stability,
        double lastIntervalDays, Instant nextReviewAt, LegacyCardStatus status, bool? lastResult, Instant updatedAt)
    {
        Id = id;
        UserId = userId;
        SkillId = skillId;
        TemplateCode = templateCode;
        Easiness = easiness;
        Stability = stability;
        LastIntervalDays = lastIntervalDays;
        NextReviewAt = nextReviewAt;
        Status = status;
        LastResult = lastResult;
        UpdatedAt = updatedAt;
    }

    /// <summary>The legacy autoincrement id; 0 until the store has inserted the row.</summary>
    public long Id { get; private set; }
    public long UserId { get; private set; }
    public long? SkillId { get; private set; }
    public string? TemplateCode { get; private set; }
    public double Easiness { get; private set; }
    public double Stability { get; private set; }
    public double LastIntervalDays { get; private set; }
    public Instant NextReviewAt { get; private set; }
    public LegacyCardStatus Status { get; private set; }
    public bool? LastResult { get; private set; }
    public Instant UpdatedAt { get; private set; }

    /// <summary>
    /// The card a first mistake on a template creates. <paramref name="easiness"/> is <c>TESKI_SRS_EASINESS</c>.
    /// </summary>
    public static LegacyReviewCard New(
        long userId, long? skillId, string? templateCode, Instant now, double easiness = DefaultEasiness) =>
        new(0, userId, skillId, templateCode, easiness, InitialStability, 0, now + MistakeResurfaceDelay,
            LegacyCardStatus.Scheduled, lastResult: null, updatedAt: now);

    public static LegacyReviewCard Rehydrate(
        long id, long userId, long? skillId, string? templateCode, double easiness, double stability,
        double lastIntervalDays, Instant nextReviewAt, LegacyCardStatus status, bool? lastResult, Instant updatedAt) =>
        new(id, userId, skillId, templateCode, easiness, stability, lastIntervalDays, nextReviewAt, status,
            lastResult, updatedAt);

    /// <summary>Another mistake on the template: bring the card back within 20 minutes, never push it later.</summary>
    public void ScheduleAfterMistake(Instant now)
    {
        var soon = now + MistakeResurfaceDelay;
        if (soon < NextReviewAt)
        {
            NextReviewAt = soon;
        }

        Status = LegacyCardStatus.Scheduled;
        UpdatedAt = now;
    }

    /// <summary>The card was handed out by the legacy next-reviews query.</summary>
    public void MarkServed(Instant now)
    {
        Status = LegacyCardStatus.Served;
        UpdatedAt = now;
    }

    /// <summary>Legacy SM-2 with quality 5 (correct) or 2 (wrong); intervals are fractional days.</summary>
    public LegacyReviewResult ApplyResult(bool correct, Instant now)
    {
        var q = correct ? 5 : 2;
        // Same grouping as the legacy Python so the doubles are bit-identical.
        Easiness = Math.Max(MinimumEasiness, Easiness + (0.1 - ((5 - q) * (0.08 + ((5 - q) * 0.02)))));

        var last = LastIntervalDays;
        double interval;
        if (last <= 0)
        {
            interval = correct ? 1 : 0.5;
        }
        else if (last < 6)
        {
            interval = correct ? 6 : Math.Max(1, last * 0.5);
        }
        else
        {
            interval = correct ? last * Easiness : Math.Max(1, last * 0.5);
        }

        // The legacy result handler leaves stability alone; only mistakes/mastery (memory_stats) move that notion.
        // Same ceiling as the v2 scheduler: the legacy formula grows without bound on a run of correct answers.
        interval = Math.Min(interval, MemoryItem.MaxIntervalDays);
        LastIntervalDays = interval;
        NextReviewAt = now + DaysAsStored(interval);
        Status = correct ? LegacyCardStatus.Completed : LegacyCardStatus.Scheduled;
        LastResult = correct;
        UpdatedAt = now;
        return new LegacyReviewResult(NextReviewAt, Easiness, interval);
    }

    /// <summary>
    /// Python's <c>timedelta(days=x)</c> keeps whole microseconds (rounding half to even), and the legacy columns
    /// store microseconds; rounding the same way keeps a value read back equal to the value computed.
    /// </summary>
    private static Duration DaysAsStored(double days)
    {
        var micros = (long)Math.Round(days * 86_400_000_000d, MidpointRounding.ToEven);
        return Duration.FromNanoseconds(micros * 1000);
    }
}
