using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;
using Teski.Domain.Analytics;
using Teski.Domain.Common;
using Teski.Domain.Memory;
using Teski.Domain.Xp;

namespace Teski.Infrastructure.V2.Store;

/// <summary>
/// The memory module on v2: mistakes schedule memory items, reviews move them (the rules are the domain's:
/// <see cref="MemoryItem"/>, <see cref="Domain.Users.V2User.RecordReviewDay"/>, <see cref="XpAward"/>, <see cref="NemesisBadge"/>).
/// The legacy resurfacing/queue operations have no v2 state; they answer from the due memory items (docs/api.md,
/// "Legacy endpoints with v2 primary").
/// </summary>
internal sealed class V2MemoryPort(V2Store store) : IMemoryPort, INextFetchPort, IKnownUserReviewPort
{
    public Task<MistakeLogged> LogMistakeAsync(UserIdentity user, MistakeEntry entry, Instant now, V2RuleSettings rules, CancellationToken ct) =>
        store.WriteAsync(async db =>
        {
            var userId = V2RowMapping.V2Id(user);
            // Serializes this user's writers, so concurrent first mistakes for a concept create one item, not a unique
            // violation; the concept's item is locked with it (one round trip on PostgreSQL). Tracked on SQLite only:
            // on PostgreSQL the writes go as plain statements (V2RowWrites), not through the tracker.
            var (locked, row) = await V2RowMapping.LockUserAndItemAsync(db, userId, null, entry.Concept, ct, track: V2Store.IsSqlite(db));
            _ = locked ?? throw new InvalidOperationException($"v2 user {userId} does not exist");
            var writes = new V2RowWrites();

            // task_id is a foreign key: a task this store does not have for the user is dropped, not a failed write.
            var taskId = entry.TaskId is { } tid && await db.Tasks.AnyAsync(t => t.Id == tid && t.UserId == userId, ct) ? tid : (Guid?)null;
            // A legacy row mirrored here takes the id the backfill would give it, so a later backfill finds it.
            var mistakeId = entry.LegacyMistakeId is { } legacyId ? StableId.For("mistake_logs", legacyId) : Guid.NewGuid();
            // The backfill may have carried this legacy row already (it commits in legacy before its mirror copy is
            // applied, and a backfill running under live traffic reads it in between): the row is then adopted, not
            // inserted twice. The item below is still scheduled; pulling it in again is idempotent.
            var carried = entry.LegacyMistakeId is not null && await db.Mistakes.AnyAsync(m => m.Id == mistakeId, ct);
            if (!carried)
            {
                writes.Insert(new MistakeRow
                {
                    Id = mistakeId,
                    UserId = userId,
                    TaskId = taskId,
                    Concept = entry.Concept,
                    Subtype = entry.Subtype,
                    Raw = entry.DetailJson,
                    CreatedAt = now,
                });
            }

            var settings = new SchedulerSettings(rules.SrsLeewayMinutes);
            if (row is null)
            {
                var id = StableId.For("memoryitem", StableId.Canonical(userId) + ":" + entry.Concept);
                row = V2RowMapping.ToRow(MemoryItem.ScheduleFromMistake(id, userId, entry.Concept, taskId, now, settings));
                writes.Insert(row);
            }
            else
            {
                var item = V2RowMapping.ToDomain(row);
                item.RescheduleForMistake(taskId, now, settings);
                V2RowMapping.CopyState(item, row);
                writes.UpdateSchedule(row);
            }

            // Only a native v2 log earns XP and analytics; a mirrored legacy mistake stores the fact alone
            // (migration-rules.md: the backfill writes mistake + item, nothing else, for legacy mistakes).
            if (entry.Origin == MistakeOrigin.V2)
            {
                V2ProgressWrites.AddXp(writes, user.AnalyticsConsent, userId, XpAward.ForMistake(), now);
                writes.Insert(V2ProgressWrites.EventRow(user.AnalyticsConsent, userId, AnalyticsKinds.MistakeLogged,
                    AnalyticsEvent.MistakeLoggedPayload(entry.Concept, entry.Subtype), now));
            }
            await writes.SaveAsync(store, db, ct);
            return new MistakeLogged(null, mistakeId, row.Id, entry.Concept, entry.Subtype);
        }, ct);

    public Task<ReviewRecorded?> ReviewAsync(UserIdentity user, ReviewTarget target, int grade, Instant now, V2RuleSettings rules, CancellationToken ct) =>
        store.WriteAsync(async db =>
            (await ReviewLockedAsync(db, V2RowMapping.V2Id(user), V2Today.For(user, now), withLegacyId: false, target, grade, now, rules, ct)).Recorded, ct);

    /// <summary>
    /// PostgreSQL: the user's row and first legacy id come back with the review's locks, so the handler need not resolve
    /// the user first. The review's reads join that round trip when this process has seen the user's zone before
    /// (<see cref="V2UserZoneHints"/>); otherwise, or when the zone changed, they follow it. Null on SQLite, and when the
    /// user is not in the store (nothing written).
    /// </summary>
    public Task<KnownUserReview?> ReviewKnownUserAsync(Guid userId, ReviewTarget target, int grade, Instant now, V2RuleSettings rules, CancellationToken ct) =>
        store.WriteAsync(async db =>
        {
            if (V2Store.IsSqlite(db))
            {
                return null;
            }
            var zone = store.ZoneHints.Get(userId);
            (Instant, Instant)? guessedDay = zone is null ? null : V2Today.For(zone, now);
            var (userRow, legacyId, recorded) = await ReviewLockedAsync(db, userId, guessedDay, withLegacyId: true, target, grade, now, rules, ct);
            if (userRow is null)
            {
                return null;
            }
            store.ZoneHints.Set(userId, userRow.Timezone);
            return new KnownUserReview(
                new UserIdentity(legacyId, userId, userRow.Timezone, userRow.AnalyticsConsent, userRow.Persona), recorded);
        }, ct);

    /// <summary>The review under the user's and the item's locks. User null: no such user; review null: no such item of theirs.</summary>
    private async Task<(V2UserRow? User, long? LegacyId, ReviewRecorded? Recorded)> ReviewLockedAsync(
        V2DbContext db, Guid userId, (Instant Start, Instant End)? guessedDay, bool withLegacyId, ReviewTarget target, int grade,
        Instant now, V2RuleSettings rules, CancellationToken ct)
    {
        // Lock order: user, then item (every flow), so concurrent reviews queue instead of deadlocking. Tracked on
        // SQLite only: on PostgreSQL the writes go as plain statements (V2RowWrites), not through the tracker. On
        // PostgreSQL the reads below come back from the same round trip, for the guessed day (the zone the user was
        // resolved with, or last seen with).
        var (userRow, row, prefetched, legacyId) = await V2RowMapping.LockUserAndItemAsync(
            db, userId, target.MemoryId, target.MemoryId is null ? target.Concept : null, guessedDay, ct, track: V2Store.IsSqlite(db),
            withLegacyId: withLegacyId);
        if (userRow is null || row is null)
        {
            return (userRow, legacyId, null);
        }

        var item = V2RowMapping.ToDomain(row);
        var outcome = item.Review(grade, now, Guid.NewGuid());
        V2RowMapping.CopyState(item, row);
        var log = outcome.Log;
        var writes = new V2RowWrites();
        writes.UpdateSchedule(row);
        writes.UpdateStreak(userRow);
        writes.Insert(new ReviewLogRow
        {
            Id = log.Id,
            UserId = userId,
            MemoryId = row.Id,
            Grade = log.Grade,
            ScheduledFor = log.ScheduledFor,
            ReviewedAt = log.ReviewedAt,
            NextDueAt = log.NextDueAt,
            // The column is INT (the previous stack's layout); a review decades off schedule is clamped, not a failed write.
            DeltaSeconds = (int)Math.Clamp(log.DeltaSeconds, int.MinValue, int.MaxValue),
        });

        // Counted in the user's zone as stored now (the identity may predate a zone change in this transaction).
        var domainUser = V2RowMapping.ToDomain(userRow);
        var (start, end) = Domain.Users.UserDay.Today(now, domainUser.Zone);
        // Today's count, the badge check and the item's latest grades: one statement, before this review's rows;
        // read with the locks unless the locked row's zone makes another day (a zone changed since the resolve).
        var reads = prefetched is not null && guessedDay is { } guessed && (start, end) == guessed
            ? prefetched
            : await V2HotQueries.ReviewReadsAsync(db, userId, row.Id, start, end, NemesisBadge.KindFor(row.Concept), ct);
        var earlierToday = reads.ReviewedInDay; // up to Streak.ReviewsPerDay: exact for both rules below
        var streak = domainUser.RecordReviewDay(earlierToday + 1, now);
        userRow.StreakDays = streak.StreakDays;
        userRow.LastStreakAt = streak.LastStreakAt;

        var consent = userRow.AnalyticsConsent;
        var award = XpAward.ForReview(outcome.Ease, outcome.IntervalDays, new XpSettings(rules.XpBase, rules.XpMasteryBonus));
        if (award is not null)
        {
            V2ProgressWrites.AddXp(writes, consent, userId, award, now);
        }

        var badge = NemesisBadge.Earned(row.Concept, row.Lapses, [log.Grade, .. reads.LatestGrades], reads.HasBadge);
        if (badge is not null)
        {
            writes.Insert(new BadgeRow { Id = Guid.NewGuid(), UserId = userId, Kind = badge, AcquiredAt = now });
            writes.Insert(V2ProgressWrites.EventRow(consent, userId, AnalyticsKinds.BadgeEarned, AnalyticsEvent.BadgeEarnedPayload(badge), now));
        }

        var xp = award?.Total ?? 0;
        writes.Insert(V2ProgressWrites.EventRow(consent, userId, AnalyticsKinds.ReviewLogged, AnalyticsEvent.ReviewLoggedPayload(row.Concept, log.Grade, xp), now));
        await writes.SaveAsync(store, db, ct);
        return (userRow, legacyId, new ReviewRecorded(row.Id, null, row.Concept, outcome.NextDueAt, outcome.IntervalDays, outcome.Ease, xp,
            FirstReviewToday: earlierToday == 0, streak.StreakDays, badge));
    }

    /// <summary>V2 has no resolution state for mistakes: nothing to mark, nothing changes (docs/api.md).</summary>
    public Task<int> MarkMasteredAsync(UserIdentity user, string templateCode, Instant now, CancellationToken ct) => Task.FromResult(0);

    /// <summary>No plans are stored in v2: reports how many memory items are due now, up to <paramref name="count"/>.</summary>
    public Task<int> BuildResurfacePlanAsync(UserIdentity user, int count, int horizonMinutes, Instant now, LegacyRuleSettings rules, CancellationToken ct) =>
        store.RunAsync(async db => (await DueAsync(db, V2RowMapping.V2Id(user), count, now, ct)).Count, ct);

    public Task<IReadOnlyList<ResurfaceItem>> TakeResurfacedAsync(UserIdentity user, int limit, Instant now, CancellationToken ct) =>
        store.RunAsync<IReadOnlyList<ResurfaceItem>>(async db =>
            (await DueAsync(db, V2RowMapping.V2Id(user), limit, now, ct)).Select(m => new ResurfaceItem(m.Concept, null)).ToList(), ct);

    /// <summary>Review cards do not exist in v2: memory items are scheduled by mistakes and reviews alone.</summary>
    public Task<int> BuildReviewsAsync(UserIdentity user, int maxNew, int horizonMinutes, Instant now, LegacyRuleSettings rules, CancellationToken ct) =>
        Task.FromResult(0);

    /// <summary>
    /// Due memory items as legacy queue entries. The legacy cap (<c>TESKI_SRS_DAILY_CAP</c> per rolling 24 h) is
    /// approximated by the v2 reviews of the last 24 h, since v2 keeps no "served" state; the v2 daily cap is not applied.
    /// </summary>
    public Task<IReadOnlyList<QueuedReview>> ServeDueReviewsAsync(UserIdentity user, int count, Instant now, LegacyRuleSettings rules, CancellationToken ct) =>
        store.RunAsync<IReadOnlyList<QueuedReview>>(async db =>
        {
            var userId = V2RowMapping.V2Id(user);
            var since = now - Duration.FromHours(24);
            var recent = await db.ReviewLogs.CountAsync(r => r.UserId == userId && r.ReviewedAt > since && r.ReviewedAt <= now, ct);
            var room = Math.Min(count, Math.Max(0, rules.SrsDailyCap - recent));
            return (await DueAsync(db, userId, room, now, ct)).Select(m => new QueuedReview(null, m.Id, m.Concept, null, m.Concept)).ToList();
        }, ct);

    public Task<DueReviews> NextDueAsync(UserIdentity user, int limit, Instant now, CancellationToken ct) =>
        store.RunAsync(async db =>
        {
            var userId = V2RowMapping.V2Id(user);
            var (start, end) = V2Today.For(user, now);
            var items = limit <= 0 ? [] : await V2HotQueries.DueWithDayCountAsync(db, userId, now, start, end, limit, ct);
            // Nothing due: the count did not come back with the items.
            var today = items.Count > 0 ? items[0].ReviewedInDay : await V2HotQueries.ReviewsBetweenAsync(db, userId, start, end, ct);
            return new DueReviews(items.ConvertAll(m => new DueItem(m.Id, null, m.Concept, m.DueAt)), today);
        }, ct);

    /// <summary>PostgreSQL: the user's row, the reads and the fetch event in one statement (<see cref="V2NextFetch"/>); null on SQLite.</summary>
    public Task<DueReviews?> TakeNextAsync(Guid userId, int requested, int dailyCap, Instant now, CancellationToken ct) =>
        store.RunAsync(db => V2NextFetch.TakeAsync(db, store.ZoneHints, userId, requested, dailyCap, now, ct), ct);

    public Task<MemoryStatsView> StatsAsync(UserIdentity user, Instant now, CancellationToken ct) =>
        store.RunAsync(async db =>
        {
            var userId = V2RowMapping.V2Id(user);
            var (start, end) = V2Today.For(user, now);
            var today = db.ReviewLogs.Where(r => r.UserId == userId && r.ReviewedAt >= start && r.ReviewedAt < end);
            var correct = await today.CountAsync(r => r.Grade >= 3, ct);
            var incorrect = await today.CountAsync(r => r.Grade < 3, ct);
            var streak = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.StreakDays).FirstOrDefaultAsync(ct);
            var due = await db.MemoryItems.CountAsync(m => m.UserId == userId && m.DueAt <= now, ct);
            return new MemoryStatsView(correct + incorrect, streak, due, correct, incorrect);
        }, ct);

    private static async Task<List<MemoryItemRow>> DueAsync(V2DbContext db, Guid userId, int limit, Instant now, CancellationToken ct) =>
        limit <= 0
            ? []
            : await db.MemoryItems.AsNoTracking()
                .Where(m => m.UserId == userId && m.DueAt <= now)
                .OrderBy(m => m.DueAt)
                .Take(limit)
                .ToListAsync(ct);
}
