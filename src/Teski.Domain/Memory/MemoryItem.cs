using NodaTime;

namespace Teski.Domain.Memory;

/// <summary>
/// One concept a v2 user keeps getting wrong, scheduled with the SM-2-like rules of v2-schema.md ("Rules").
/// There is one item per (user, concept); every state change goes through the behaviour below so that the
/// formula lives once, whichever store persists the result.
/// </summary>
public sealed class MemoryItem
{
    public const double InitialEase = 2.5;
    public const int InitialInterval = 1;
    public const double InitialStability = 0.0;
    public const double InitialDifficulty = 0.3;
    public const double MinimumEase = 1.3;
    public const int MinGrade = 0;
    public const int MaxGrade = 5;

    private MemoryItem(
        Guid id, Guid userId, Guid? taskId, string concept, double ease, int interval, Instant dueAt,
        double stability, double difficulty, int lapses)
    {
        Id = id;
        UserId = userId;
        TaskId = taskId;
        Concept = concept;
        Ease = ease;
        Interval = interval;
        DueAt = dueAt;
        Stability = stability;
        Difficulty = difficulty;
        Lapses = lapses;
    }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    public Guid? TaskId { get; private set; }
    public string Concept { get; private set; }
    public double Ease { get; private set; }

    /// <summary>Days until the next review, as last scheduled.</summary>
    public int Interval { get; private set; }

    public Instant DueAt { get; private set; }
    public double Stability { get; private set; }
    public double Difficulty { get; private set; }
    public int Lapses { get; private set; }

    /// <summary>A new item for a concept the user has just got wrong for the first time.</summary>
    public static MemoryItem ScheduleFromMistake(
        Guid id, Guid userId, string concept, Guid? taskId, Instant now, SchedulerSettings s)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(concept);
        return new MemoryItem(
            id, userId, taskId, concept, InitialEase, InitialInterval, now + s.Leeway,
            InitialStability, InitialDifficulty, lapses: 0);
    }

    /// <summary>Rebuilds an item from storage exactly as stored; no rule is applied.</summary>
    public static MemoryItem Rehydrate(
        Guid id, Guid userId, Guid? taskId, string concept, double ease, int interval, Instant dueAt,
        double stability, double difficulty, int lapses) =>
        new(id, userId, taskId, concept, ease, interval, dueAt, stability, difficulty, lapses);

    /// <summary>
    /// The same concept was missed again: the learned state stays (a repeat mistake is not a review), but the
    /// item must come back soon, so a later due time is pulled in to now + leeway; an earlier one is kept.
    /// </summary>
    public void RescheduleForMistake(Guid? taskId, Instant now, SchedulerSettings s)
    {
        TaskId ??= taskId;
        var soon = now + s.Leeway;
        if (DueAt > soon)
        {
            DueAt = soon;
        }
    }

    /// <summary>Applies a review with <paramref name="grade"/> (clamped to 0..5) at <paramref name="now"/>.</summary>
    /// <summary>The longest interval a review schedules (see <see cref="Review"/>).</summary>
    public const int MaxIntervalDays = 3_650;

    public ReviewOutcome Review(int grade, Instant now, Guid reviewLogId)
    {
        var g = Math.Clamp(grade, MinGrade, MaxGrade);
        var previousDue = DueAt;

        // Operand order follows the reference implementation so doubles round identically (14.5 stays 14.5).
        Ease = Math.Max(MinimumEase, Ease + 0.1 - ((5 - g) * 0.08));
        var lapsed = g < 3;
        if (lapsed)
        {
            Interval = 1;
            Lapses += 1;
        }
        else
        {
            var grown = Math.Max(1, Interval) * (Ease + (Math.Max(0, g - 3) * 0.15));
            // Python's round() is banker's rounding; the v2 data was written with it (14.5 -> 14).
            // The formula has no ceiling (ease keeps growing with every 5): a long run of correct answers would pass
            // int's range after ~20 reviews. Intervals stop at MaxIntervalDays (ten years), which also keeps reviewlog.delta_seconds (INT) in range.
            Interval = (int)Math.Clamp(Math.Round(grown, MidpointRounding.ToEven), 1, MaxIntervalDays);
        }

        DueAt = now + Duration.FromDays(Interval);
        Stability = Math.Max(Stability, Interval);
        Difficulty = Math.Clamp(Difficulty + ((3 - g) * 0.03), 0.0, 1.0);

        var log = new ReviewLogEntry(
            reviewLogId, UserId, Id, g, ScheduledFor: previousDue, ReviewedAt: now, NextDueAt: DueAt,
            DeltaSeconds: WholeSecondsBetween(previousDue, now));
        return new ReviewOutcome(log, Ease, Interval, lapsed);
    }

    /// <summary>Whole seconds, truncated toward zero, so an early review a fraction of a second early is 0, not -1.</summary>
    private static long WholeSecondsBetween(Instant from, Instant to) =>
        (to - from).ToInt64Nanoseconds() / NodaConstants.NanosecondsPerSecond;
}

/// <summary>What a review changed: the log row to persist and the new schedule (for the response).</summary>
public sealed record ReviewOutcome(ReviewLogEntry Log, double Ease, int IntervalDays, bool Lapsed)
{
    public Instant NextDueAt => Log.NextDueAt;
    public int Grade => Log.Grade;
}

/// <summary>A <c>reviewlog</c> row: one review of one memory item.</summary>
/// <param name="ScheduledFor">The due time the review answered (the item's due time before the review).</param>
/// <param name="DeltaSeconds">Whole seconds from <paramref name="ScheduledFor"/> to the review; negative when early.</param>
public sealed record ReviewLogEntry(
    Guid Id, Guid UserId, Guid MemoryId, int Grade, Instant ScheduledFor, Instant ReviewedAt, Instant NextDueAt,
    long DeltaSeconds);
