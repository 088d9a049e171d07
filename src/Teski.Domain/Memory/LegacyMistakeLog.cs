using NodaTime;

namespace Teski.Domain.Memory;

/// <summary>
/// A legacy <c>mistake_logs</c> row. <see cref="DetailJson"/> is kept as the raw text because old rows may hold
/// invalid JSON; <see cref="ErrorSubtype"/> is null in rows (and databases) older than that column.
/// </summary>
public sealed class LegacyMistakeLog
{
    public const double DefaultWeight = 1.0;
    public const double MinimumWeight = 0.1;

    private LegacyMistakeLog(
        long id, long userId, long? skillId, string? templateCode, long? instanceId, string errorType,
        string? errorSubtype, string? detailJson, double weight, Instant occurredAt, Instant? resolvedAt)
    {
        Id = id;
        UserId = userId;
        SkillId = skillId;
        TemplateCode = templateCode;
        InstanceId = instanceId;
        ErrorType = errorType;
        ErrorSubtype = errorSubtype;
        DetailJson = detailJson;
        Weight = weight;
        OccurredAt = occurredAt;
        ResolvedAt = resolvedAt;
    }

    /// <summary>The legacy autoincrement id; 0 until the store has inserted the row.</summary>
    public long Id { get; private set; }
    public long UserId { get; private set; }
    public long? SkillId { get; private set; }
    public string? TemplateCode { get; private set; }
    public long? InstanceId { get; private set; }
    public string ErrorType { get; private set; }
    public string? ErrorSubtype { get; private set; }
    public string? DetailJson { get; private set; }
    public double Weight { get; private set; }
    public Instant OccurredAt { get; private set; }
    public Instant? ResolvedAt { get; private set; }

    public bool IsResolved => ResolvedAt is not null;

    /// <summary>A mistake logged now through the legacy API; <paramref name="errorType"/> defaults to <c>other</c>.</summary>
    public static LegacyMistakeLog Log(
        long userId, long? skillId, string? templateCode, long? instanceId, string? errorType, string? errorSubtype,
        string? detailJson, Instant now) =>
        new(0, userId, skillId, templateCode, instanceId,
            string.IsNullOrWhiteSpace(errorType) ? LegacyMistakeClassifier.DefaultErrorType : errorType,
            errorSubtype, detailJson, DefaultWeight, now, resolvedAt: null);

    public static LegacyMistakeLog Rehydrate(
        long id, long userId, long? skillId, string? templateCode, long? instanceId, string errorType,
        string? errorSubtype, string? detailJson, double weight, Instant occurredAt, Instant? resolvedAt) =>
        new(id, userId, skillId, templateCode, instanceId, errorType, errorSubtype, detailJson, weight, occurredAt,
            resolvedAt);

    /// <summary>
    /// Mastery resolves the mistake and halves its weight (floor 0.1). Resolving twice is a no-op: the legacy
    /// code only ever picks unresolved rows, and halving again would drift the weight.
    /// </summary>
    public void Resolve(Instant now)
    {
        if (IsResolved)
        {
            return;
        }

        ResolvedAt = now;
        Weight = Math.Max(MinimumWeight, Weight * 0.5);
    }
}

/// <summary>The legacy "mark mastered" rule for mistakes.</summary>
public static class LegacyMastery
{
    public const int MistakesResolvedPerMastery = 3;

    /// <summary>
    /// The mistakes a mastery resolves: the 3 most recent unresolved ones among <paramref name="mistakes"/>
    /// (the caller passes the user's mistakes of the mastered template). Ties on time go to the higher id,
    /// i.e. the later insert.
    /// </summary>
    public static IReadOnlyList<LegacyMistakeLog> PickToResolve(IEnumerable<LegacyMistakeLog> mistakes) =>
        mistakes.Where(m => !m.IsResolved)
            .OrderByDescending(m => m.OccurredAt)
            .ThenByDescending(m => m.Id)
            .Take(MistakesResolvedPerMastery)
            .ToList();
}
