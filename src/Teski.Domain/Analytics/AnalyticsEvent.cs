using System.Text.Json;
using NodaTime;
using Teski.Domain.Xp;

namespace Teski.Domain.Analytics;

/// <summary>The v2 <c>analyticsevent.kind</c> values the memory flows write.</summary>
public static class AnalyticsKinds
{
    public const string MistakeLogged = "memory.mistake_logged";
    public const string ReviewFetch = "memory.review_fetch";
    public const string ReviewLogged = "memory.review_logged";
    public const string XpAwarded = "xp.awarded";
    public const string BadgeEarned = "badge.earned";
}

/// <summary>A v2 <c>analyticsevent</c> row; the payload is JSON text as stored.</summary>
public sealed record AnalyticsEvent(Guid Id, Guid? UserId, string Kind, string PayloadJson, Instant Ts)
{
    /// <summary>
    /// The event to write, or null when the user has not consented: such users get no analytics rows at all,
    /// so the check lives here rather than in every flow.
    /// </summary>
    public static AnalyticsEvent? For(
        bool analyticsConsent, Guid id, Guid? userId, string kind, IReadOnlyDictionary<string, object?> payload,
        Instant ts)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        return analyticsConsent ? new AnalyticsEvent(id, userId, kind, JsonSerializer.Serialize(payload), ts) : null;
    }

    // The payload shapes of v2-schema.md ("Analytics events"), defined once for every store and flow.
    public static IReadOnlyDictionary<string, object?> MistakeLoggedPayload(string concept, string subtype) =>
        new Dictionary<string, object?> { ["concept"] = concept, ["subtype"] = subtype };

    public static IReadOnlyDictionary<string, object?> ReviewFetchPayload(int count) =>
        new Dictionary<string, object?> { ["count"] = count };

    public static IReadOnlyDictionary<string, object?> ReviewLoggedPayload(string concept, int grade, int xp) =>
        new Dictionary<string, object?> { ["concept"] = concept, ["grade"] = grade, ["xp"] = xp };

    public static IReadOnlyDictionary<string, object?> XpAwardedPayload(XpAward award) =>
        new Dictionary<string, object?>
        {
            ["reason"] = award.Reason,
            ["base"] = award.Base,
            ["bonus"] = award.Bonus,
            ["total"] = award.Total,
        };

    public static IReadOnlyDictionary<string, object?> BadgeEarnedPayload(string badgeKind) =>
        new Dictionary<string, object?> { ["kind"] = badgeKind };
}
