using NodaTime;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;

namespace Teski.Application.Memory;

/// <summary>Where a mistake came from: decides what the v2 store adds (XP and analytics only for native v2 logs).</summary>
public enum MistakeOrigin
{
    /// <summary><c>POST /api/v1/memory/log</c>.</summary>
    Legacy,

    /// <summary><c>POST /api/v1/memory/log/v1</c> (adds a subtype, schedules the review card).</summary>
    LegacyV1,

    /// <summary><c>POST /memory/mistake</c>.</summary>
    V2,
}

/// <summary>
/// A mistake as a fact both schemas can store. The handler derives every field with the domain rules before any
/// store sees it, so the primary and the mirror store the same meaning.
/// </summary>
/// <param name="Concept">v2 concept: the template code, else <c>skill:&lt;id&gt;</c>, else <c>unknown</c> (legacy origin); the request's concept (v2).</param>
/// <param name="TemplateCode">legacy template code (for v2-origin mistakes: the concept).</param>
/// <param name="ErrorType">legacy error_type (recall|concept|format|spelling|unit|other).</param>
/// <param name="ErrorSubtype">legacy error_subtype, null for the plain legacy log.</param>
/// <param name="Subtype">v2 subtype (<c>legacy:…</c> for legacy-origin mistakes).</param>
/// <param name="DetailJson">legacy <c>detail</c> / v2 <c>raw</c>: valid JSON text.</param>
/// <param name="LegacyMistakeId">set on the mirrored fact when the legacy store wrote it first: the v2 copy's id is then
/// <c>StableId.For("mistake_logs", id)</c>, the id the backfill derives, so the two never double.</param>
/// <param name="V2MistakeId">set on the mirrored fact when the v2 store wrote it first: the legacy copy records a
/// <c>legacy_row_link</c> to it, which the backfill honours.</param>
public sealed record MistakeEntry(
    MistakeOrigin Origin,
    string Concept,
    string? TemplateCode,
    long? SkillId,
    long? InstanceId,
    string ErrorType,
    string? ErrorSubtype,
    string Subtype,
    string DetailJson,
    Guid? TaskId,
    long? LegacyMistakeId = null,
    Guid? V2MistakeId = null);

/// <summary>What the store recorded: the legacy row id and/or the v2 memory item, whichever the store has.</summary>
public sealed record MistakeLogged(long? LegacyId, Guid? MistakeId, Guid? MemoryId, string Concept, string Subtype);

/// <summary>What a review names: a v2 memory item, or a concept (= legacy template code).</summary>
public sealed record ReviewTarget(Guid? MemoryId, string? Concept)
{
    public static ReviewTarget Memory(Guid id) => new(id, null);

    public static ReviewTarget ByConcept(string concept) => new(null, concept);
}

/// <summary>The result of a review in the store's own terms, enough for both response shapes.</summary>
public sealed record ReviewRecorded(
    Guid? MemoryId,
    long? ReviewCardId,
    string Concept,
    Instant NextDueAt,
    double IntervalDays,
    double Ease,
    int XpAwarded,
    bool FirstReviewToday,
    int StreakDays,
    string? BadgeEarned);

public sealed record ResurfaceItem(string? TemplateCode, long? InstanceId);

public sealed record QueuedReview(long? ReviewCardId, Guid? MemoryId, string? TemplateCode, long? InstanceId, string Concept);

public sealed record DueItem(Guid? MemoryId, long? ReviewCardId, string Concept, Instant DueAt);

public sealed record DueReviews(IReadOnlyList<DueItem> Items, int ReviewedToday);

public sealed record MemoryStatsView(
    int TodayReviewed,
    int StreakDays,
    int DueCount,
    int ExercisesCorrectToday,
    int ExercisesIncorrectToday);

/// <summary>The memory module's port. Times come in as arguments: stores never read a clock.</summary>
public interface IMemoryPort
{
    Task<MistakeLogged> LogMistakeAsync(UserIdentity user, MistakeEntry entry, Instant now, V2RuleSettings rules, CancellationToken ct);

    /// <summary>Null when the target is not this user's (→ 404 <c>memory_not_found</c> / <c>review_card_not_found</c>).</summary>
    Task<ReviewRecorded?> ReviewAsync(UserIdentity user, ReviewTarget target, int grade, Instant now, V2RuleSettings rules, CancellationToken ct);

    /// <summary>Legacy "mark mastered"; returns how many mistakes were resolved.</summary>
    Task<int> MarkMasteredAsync(UserIdentity user, string templateCode, Instant now, CancellationToken ct);

    /// <summary>Legacy resurface plan; returns how many plans were scheduled.</summary>
    Task<int> BuildResurfacePlanAsync(UserIdentity user, int count, int horizonMinutes, Instant now, LegacyRuleSettings rules, CancellationToken ct);

    /// <summary>Legacy "next resurfaced": due pending plans become served (skipped without a template).</summary>
    Task<IReadOnlyList<ResurfaceItem>> TakeResurfacedAsync(UserIdentity user, int limit, Instant now, CancellationToken ct);

    /// <summary>Legacy "build reviews"; returns the number of cards scheduled or adjusted.</summary>
    Task<int> BuildReviewsAsync(UserIdentity user, int maxNew, int horizonMinutes, Instant now, LegacyRuleSettings rules, CancellationToken ct);

    /// <summary>Legacy "next reviews / warm-up": due cards, oldest first, become served, within the 24 h cap.</summary>
    Task<IReadOnlyList<QueuedReview>> ServeDueReviewsAsync(UserIdentity user, int count, Instant now, LegacyRuleSettings rules, CancellationToken ct);

    /// <summary>V2 "next": due items earliest first up to <paramref name="limit"/>, and today's review count (user-local day).</summary>
    Task<DueReviews> NextDueAsync(UserIdentity user, int limit, Instant now, CancellationToken ct);

    Task<MemoryStatsView> StatsAsync(UserIdentity user, Instant now, CancellationToken ct);
}
