using NodaTime;
using Teski.Domain.Analytics;
using Teski.Domain.Xp;

namespace Teski.Infrastructure.V2.Store;

/// <summary>The XP and analytics rows several flows add (v2-schema.md, "XP" and "Analytics events"); the caller saves.</summary>
internal static class V2ProgressWrites
{
    /// <summary>Adds an analytics row unless the user has not consented (the rule lives in <see cref="AnalyticsEvent.For"/>).</summary>
    public static void AddEvent(V2DbContext db, bool consent, Guid? userId, string kind, IReadOnlyDictionary<string, object?> payload, Instant now)
    {
        if (EventRow(consent, userId, kind, payload, now) is { } row)
        {
            db.AnalyticsEvents.Add(row);
        }
    }

    /// <summary>The analytics row, or null when the user has not consented.</summary>
    public static AnalyticsEventRow? EventRow(bool consent, Guid? userId, string kind, IReadOnlyDictionary<string, object?> payload, Instant now) =>
        AnalyticsEvent.For(consent, Guid.NewGuid(), userId, kind, payload, now) is { } e
            ? new AnalyticsEventRow { Id = e.Id, UserId = e.UserId, Kind = e.Kind, Payload = e.PayloadJson, Ts = e.Ts }
            : null;

    /// <summary>An <c>xpevent</c> and its <c>xp.awarded</c> analytics event.</summary>
    public static void AddXp(V2RowWrites writes, bool consent, Guid userId, XpAward award, Instant now)
    {
        writes.Insert(new XpEventRow { Id = Guid.NewGuid(), UserId = userId, Amount = award.Amount, Reason = award.Reason, Ts = now });
        writes.Insert(EventRow(consent, userId, AnalyticsKinds.XpAwarded, AnalyticsEvent.XpAwardedPayload(award), now));
    }
}
