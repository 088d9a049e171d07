using System.Globalization;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Stores;
using Teski.Application.Xp;

namespace Teski.Infrastructure.Legacy.Store;

/// <summary>
/// Progress as far as the legacy schema has it: no XP, badge or A/B tables. A legacy user's XP is their leaderboard
/// points (<c>pointsevent</c>, written by <see cref="LegacyLeaderboard"/>); analytics land in <c>analytics_events</c>.
/// </summary>
internal sealed class LegacyProgressPort(LegacyStore store) : IProgressPort
{
    public Task<XpSummary> XpSummaryAsync(UserIdentity user, CancellationToken ct)
    {
        if (user.LegacyId is not { } legacyId || legacyId > int.MaxValue)
        {
            return Task.FromResult(new XpSummary(0, 0, null));
        }
        var userId = (int)legacyId;
        return store.RunAsync(async db =>
        {
            var events = db.PointsEvents.AsNoTracking().Where(p => p.UserId == userId);
            var total = await events.SumAsync(p => p.Points, ct);
            // The latest by id: ids grow with inserts, and the occurred_at text of hand-edited rows need not order.
            var last = await events.OrderByDescending(p => p.Id).FirstOrDefaultAsync(ct);
            return new XpSummary(total, 0, last is null ? null : new XpEventView(last.Points, last.EventType, last.OccurredAt));
        }, ct);
    }

    public Task<IReadOnlyList<BadgeView>> BadgesAsync(UserIdentity user, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<BadgeView>>([]);

    /// <summary>The legacy app kept A/B buckets nowhere (it hashed them per request): there is never a stored one.</summary>
    public Task<string?> FindAssignmentAsync(UserIdentity user, string experiment, CancellationToken ct) =>
        Task.FromResult<string?>(null);

    /// <summary>Nothing to store in the legacy schema: the given bucket is the answer (docs/legacy-store-adapters.md).</summary>
    public Task<string> AssignAsync(UserIdentity user, string experiment, string bucket, Instant now, CancellationToken ct) =>
        Task.FromResult(bucket);

    /// <summary>Legacy XP is leaderboard points, written by <see cref="LegacyLeaderboard"/> with the award itself.</summary>
    public Task AwardXpAsync(UserIdentity user, Guid id, int amount, string reason, Instant now, CancellationToken ct) =>
        Task.CompletedTask;

    public Task RecordEventAsync(UserIdentity? user, string kind, string payloadJson, Instant now, CancellationToken ct)
    {
        if (user is { AnalyticsConsent: false })
        {
            return Task.CompletedTask;
        }
        return store.WriteAsync(async db =>
        {
            db.AnalyticsEvents.Add(new LegacyAnalyticsEventRow
            {
                // The column is a string: the legacy id as digits (as the legacy app wrote it), else the v2 UUID. It is
                // NOT NULL, so an anonymous event stores "" (which the backfill resolves to no user, like NULL).
                UserId = user?.LegacyId is { } l ? l.ToString(CultureInfo.InvariantCulture) : user?.V2Id?.ToString("D") ?? "",
                EventType = kind,
                Ts = LegacyRowMapping.Micros(now),
                Meta = LegacyJson.ToValidJson(payloadJson),
            });
            return await db.SaveChangesAsync(ct);
        }, ct);
    }
}
