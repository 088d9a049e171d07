using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;
using Teski.Application.Common.Stores;
using Teski.Application.Xp;
using Teski.Domain.Analytics;
using Teski.Domain.Xp;

namespace Teski.Infrastructure.V2.Store;

/// <summary>XP, badges, A/B assignments and analytics on v2 (<c>xpevent</c>, <c>badge</c>, <c>abtestassignment</c>, <c>analyticsevent</c>).</summary>
internal sealed class V2ProgressPort(V2Store store) : IProgressPort
{
    public Task<XpSummary> XpSummaryAsync(UserIdentity user, CancellationToken ct) =>
        store.RunAsync(async db =>
        {
            var userId = V2RowMapping.V2Id(user);
            var total = await db.XpEvents.Where(x => x.UserId == userId).SumAsync(x => x.Amount, ct);
            var streak = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.StreakDays).FirstOrDefaultAsync(ct);
            var last = await db.XpEvents.AsNoTracking()
                .Where(x => x.UserId == userId)
                .OrderByDescending(x => x.Ts)
                .Select(x => new XpEventView(x.Amount, x.Reason, x.Ts))
                .FirstOrDefaultAsync(ct);
            return new XpSummary(total, streak, last);
        }, ct);

    public Task<IReadOnlyList<BadgeView>> BadgesAsync(UserIdentity user, CancellationToken ct) =>
        store.RunAsync<IReadOnlyList<BadgeView>>(async db =>
        {
            var userId = V2RowMapping.V2Id(user);
            return await db.Badges.AsNoTracking()
                .Where(b => b.UserId == userId)
                .OrderBy(b => b.AcquiredAt)
                .Select(b => new BadgeView(b.Kind, b.AcquiredAt))
                .ToListAsync(ct);
        }, ct);

    public Task<string?> FindAssignmentAsync(UserIdentity user, string experiment, CancellationToken ct) =>
        store.RunAsync(db => FindAsync(db, V2RowMapping.V2Id(user), experiment, ct), ct);

    public Task<string> AssignAsync(UserIdentity user, string experiment, string bucket, Instant now, CancellationToken ct) =>
        store.RunAsync(async db =>
        {
            var userId = V2RowMapping.V2Id(user);
            // Insert-if-absent on the unique (user_id, experiment), then read back: under a race the first
            // committed assignment is the one both callers return (sticky, v2-schema.md "A/B assignment").
            await V2Store.InsertIfAbsentAsync(db, "abtestassignment", "id, user_id, experiment, bucket, assigned_at",
                [Guid.NewGuid(), userId, experiment, bucket, now], ct);
            return await FindAsync(db, userId, experiment, ct)
                ?? throw new InvalidOperationException($"A/B assignment for {userId}/{experiment} vanished after insert");
        }, ct);

    public Task AwardXpAsync(UserIdentity user, Guid id, int amount, string reason, Instant now, CancellationToken ct)
    {
        if (amount <= 0)
        {
            // v2-schema.md, "XP": totals ≤ 0 award nothing and write no event.
            return Task.CompletedTask;
        }
        return store.WriteAsync(async db =>
        {
            var userId = V2RowMapping.V2Id(user);
            var inserted = await V2Store.InsertIfAbsentAsync(db, "xpevent", "id, user_id, amount, reason, ts",
                [id, userId, amount, reason, now], ct);
            if (inserted == 1)
            {
                // Only the first application of this award is announced; a repeat of the same id is a no-op.
                V2ProgressWrites.AddEvent(db, user.AnalyticsConsent, userId, AnalyticsKinds.XpAwarded,
                    AnalyticsEvent.XpAwardedPayload(new XpAward(amount, amount, 0, reason)), now);
                await db.SaveChangesAsync(ct);
            }
        }, ct);
    }

    public Task RecordEventAsync(UserIdentity? user, string kind, string payloadJson, Instant now, CancellationToken ct)
    {
        if (user is { AnalyticsConsent: false })
        {
            return Task.CompletedTask;
        }
        return store.RunAsync(async db =>
        {
            var id = Guid.NewGuid();
            if (!V2Store.IsSqlite(db) && !db.ChangeTracker.HasChanges())
            {
                // PostgreSQL: one plain INSERT, as the outbox record. Through SaveChangesAsync the one row went through
                // EF's change detection and command-batch preparation (SaveChanges and change-tracking frames were
                // about 10 % of the service's samples for GET /memory/next in a perf profile; alone, the change's
                // throughput gain was within noise: docs/benchmarks.md). Only when nothing else is pending, which
                // that save would have written too.
                return await db.Database.ExecuteSqlRawAsync(
                    "INSERT INTO analyticsevent (id, user_id, kind, payload, ts) VALUES (@id, @user, @kind, @payload, @ts)",
                    [
                        new NpgsqlParameter("id", id),
                        new NpgsqlParameter("user", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)user?.V2Id ?? DBNull.Value },
                        new NpgsqlParameter("kind", kind),
                        new NpgsqlParameter("payload", NpgsqlTypes.NpgsqlDbType.Jsonb) { Value = payloadJson },
                        new NpgsqlParameter("ts", now),
                    ],
                    ct);
            }
            db.AnalyticsEvents.Add(new AnalyticsEventRow { Id = id, UserId = user?.V2Id, Kind = kind, Payload = payloadJson, Ts = now });
            return await db.SaveChangesAsync(ct);
        }, ct);
    }

    private static Task<string?> FindAsync(V2DbContext db, Guid userId, string experiment, CancellationToken ct) =>
        db.AbTestAssignments.AsNoTracking()
            .Where(a => a.UserId == userId && a.Experiment == experiment)
            .Select(a => a.Bucket)
            .FirstOrDefaultAsync(ct);
}
