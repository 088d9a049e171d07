using NodaTime;

namespace Teski.Domain.Memory;

/// <summary>
/// A legacy <c>memory_stats</c> row (one per user and skill): a rough forgetting estimate that mistakes lower
/// and mastery raises (legacy-schema.md, "log mistake" and "mark mastered").
/// </summary>
public sealed class LegacyMemoryStats
{
    public const double InitialStabilityOnMistake = 0.3;
    public const double InitialStabilityOnMastery = 0.4;
    public const double MinimumStability = 0.2;
    public const double MaximumStability = 3.0;

    private LegacyMemoryStats(
        long id, long userId, long? skillId, int mistakeCount, Instant? lastMissedAt, Instant? lastMasteredAt,
        double stability)
    {
        Id = id;
        UserId = userId;
        SkillId = skillId;
        MistakeCount = mistakeCount;
        LastMissedAt = lastMissedAt;
        LastMasteredAt = lastMasteredAt;
        Stability = stability;
    }

    /// <summary>The legacy autoincrement id; 0 until the store has inserted the row.</summary>
    public long Id { get; private set; }
    public long UserId { get; private set; }
    public long? SkillId { get; private set; }
    public int MistakeCount { get; private set; }
    public Instant? LastMissedAt { get; private set; }
    public Instant? LastMasteredAt { get; private set; }
    public double Stability { get; private set; }

    public static LegacyMemoryStats Rehydrate(
        long id, long userId, long? skillId, int mistakeCount, Instant? lastMissedAt, Instant? lastMasteredAt,
        double stability) =>
        new(id, userId, skillId, mistakeCount, lastMissedAt, lastMasteredAt, stability);

    /// <summary>The row a first mistake on a skill creates.</summary>
    public static LegacyMemoryStats FirstMistake(long userId, long? skillId, Instant now) =>
        new(0, userId, skillId, mistakeCount: 1, lastMissedAt: now, lastMasteredAt: null, InitialStabilityOnMistake);

    /// <summary>The row a mastery on a skill with no row yet creates.</summary>
    public static LegacyMemoryStats FirstMastery(long userId, long? skillId, Instant now) =>
        new(0, userId, skillId, mistakeCount: 0, lastMissedAt: null, lastMasteredAt: now, InitialStabilityOnMastery);

    public void RecordMistake(Instant now)
    {
        MistakeCount += 1;
        LastMissedAt = now;
        Stability = Math.Max(MinimumStability, Stability * 0.9);
    }

    public void RecordMastery(Instant now)
    {
        LastMasteredAt = now;
        Stability = Math.Min(MaximumStability, Stability * 1.15);
    }
}
