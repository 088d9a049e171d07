using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Stores;

namespace Teski.Infrastructure.V2.Store;

/// <summary>
/// The transactional outbox (<c>teski_mirror_backlog</c>) and exactly-once ledger (<c>teski_mirror_applied</c>) in the
/// v2 store (ADR 0004).
/// </summary>
internal sealed class V2MirrorBacklog(V2Store store) : IMirrorBacklog
{
    public async Task AddAsync(Guid id, string stream, string kind, string payload, Instant now, CancellationToken ct)
    {
        if (!V2Store.IsSqlite(await store.ContextAsync(ct)))
        {
            // In a transaction, with the write batch the store holds back and the commit: one round trip (V2Store.ExecuteWritesAsync).
            await store.InsertWithHeldWritesAsync(Persistence.MirrorBacklogSql.InsertCommand(id, stream, kind, payload, now), ct);
            return;
        }
        await store.RunAsync(async db =>
        {
            db.MirrorBacklog.Add(new MirrorBacklogRow
            {
                Id = id,
                Stream = stream,
                Kind = kind,
                Payload = payload,
                CreatedAt = now,
                Attempts = 0,
                NextAttemptAt = now,
            });
            return await db.SaveChangesAsync(ct);
        }, ct);
    }

    public async Task<IReadOnlyList<MirrorRecord>> ClaimDueAsync(int max, Instant now, Duration lease, IReadOnlyCollection<string>? streams, CancellationToken ct)
    {
        if (max <= 0)
        {
            return [];
        }
        // Its own context and connection: a claim must be visible to other instances at once, whatever transaction
        // the caller's scope has open, and each compare-and-set below commits on its own.
        await using var db = await store.SideContextAsync(ct);
        try
        {
            if (!db.Database.IsSqlite())
            {
                // PostgreSQL: the heads, their compare-and-set and whether their streams hold more, in one statement.
                return await Persistence.MirrorBacklogSql.ClaimOnPostgresAsync(db.Database, max, now, now + lease, streams, ct);
            }
            return await Persistence.MirrorBacklogSql.ClaimOnSqliteAsync(db.MirrorBacklog, max, now, now + lease, streams, ct);
        }
        catch (Exception ex) when (V2Store.IsConflict(ex))
        {
            throw V2Store.Conflict(ex);
        }
    }

    public Task MarkAppliedAsync(IReadOnlyCollection<Guid> ids, Instant now, CancellationToken ct) =>
        store.RunAsync(db => db.MirrorBacklog.Where(b => ids.Contains(b.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.AppliedAt, now), ct), ct);

    public Task MarkFailedAsync(Guid id, string error, Instant nextAttemptAt, CancellationToken ct) =>
        store.RunAsync(db => db.MirrorBacklog.Where(b => b.Id == id && b.AppliedAt == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(b => b.LastError, error)
                .SetProperty(b => b.NextAttemptAt, nextAttemptAt), ct), ct);

    public Task<BacklogStatus> StatusAsync(Instant now, CancellationToken ct) =>
        store.RunAsync(async db =>
        {
            var pending = db.MirrorBacklog.Where(b => b.AppliedAt == null);
            var count = await pending.LongCountAsync(ct);
            var failing = await pending.LongCountAsync(b => b.Attempts > 0, ct);
            var oldest = await pending.OrderBy(b => b.CreatedAt).Select(b => (Instant?)b.CreatedAt).FirstOrDefaultAsync(ct);
            return new BacklogStatus(count, oldest is { } o ? now - o : null, failing);
        }, ct);

    public async Task<bool> RefreshStatisticsAsync(CancellationToken ct)
    {
        // Its own context: not part of whatever transaction the caller's scope has open.
        await using var db = await store.SideContextAsync(ct);
        return await Persistence.MirrorBacklogSql.RefreshStatisticsAsync(db.Database, ct);
    }

    public async Task<int> PruneAppliedAsync(Instant appliedBefore, int max, CancellationToken ct)
    {
        // Its own context: a short transaction of its own, whatever the caller's scope has open.
        await using var db = await store.SideContextAsync(ct);
        try
        {
            return await Persistence.MirrorBacklogSql.PruneAppliedAsync(db.Database, db.MirrorBacklog, appliedBefore, max, ct);
        }
        catch (Exception ex) when (V2Store.IsConflict(ex))
        {
            throw V2Store.Conflict(ex);
        }
    }

    public Task<IReadOnlyList<Guid>> LedgerBeforeAsync(Instant appliedBefore, int max, CancellationToken ct) =>
        store.RunAsync(db => Persistence.MirrorBacklogSql.LedgerBeforeAsync(db.MirrorApplied, appliedBefore, max, ct), ct);

    public Task<IReadOnlySet<Guid>> PendingAmongAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        store.RunAsync(db => Persistence.MirrorBacklogSql.PendingAmongAsync(db.MirrorBacklog, ids, ct), ct);

    public Task<int> ForgetAppliedAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        store.RunAsync(db => Persistence.MirrorBacklogSql.ForgetAppliedAsync(db.MirrorApplied, ids, ct), ct);

    public Task<bool> TryRecordAppliedAsync(Guid recordId, Instant now, CancellationToken ct) =>
        store.RunAsync(async db =>
            // INSERT OR IGNORE / ON CONFLICT DO NOTHING: a duplicate must not raise, since on PostgreSQL an error
            // would abort the transaction that applies (or skips) the mirrored write.
            await V2Store.InsertIfAbsentAsync(db, "teski_mirror_applied", "record_id, applied_at", [recordId, now], ct) == 1, ct);

    public Task<IReadOnlySet<Guid>> TryRecordAppliedAsync(IReadOnlyList<Guid> recordIds, Instant now, CancellationToken ct) =>
        store.RunAsync(db => Persistence.MirrorBacklogSql.RecordAppliedAsync(db.Database, recordIds, now, id => TryRecordAppliedAsync(id, now, ct), ct), ct);
}
