using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Stores;

namespace Teski.Infrastructure.Legacy.Store;

/// <summary>
/// The transactional outbox (<c>teski_mirror_backlog</c>) and exactly-once ledger (<c>teski_mirror_applied</c>) in the
/// legacy store (ADR 0004): written while legacy is primary, and read as the mirror's ledger while v2 is primary.
/// </summary>
internal sealed class LegacyMirrorBacklog(LegacyStore store) : IMirrorBacklog
{
    public Task AddAsync(Guid id, string stream, string kind, string payload, Instant now, CancellationToken ct) =>
        store.RunAsync(async db =>
        {
            if (!db.Database.IsSqlite())
            {
                return await Persistence.MirrorBacklogSql.InsertOnPostgresAsync(db.Database, id, stream, kind, payload, now, ct);
            }
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

    public async Task<IReadOnlyList<MirrorRecord>> ClaimDueAsync(int max, Instant now, Duration lease, IReadOnlyCollection<string>? streams, CancellationToken ct)
    {
        if (max <= 0)
        {
            return [];
        }
        // Its own context, connection and short transaction: a claim must be visible to other instances at once,
        // whatever transaction the caller's scope has open. (On SQLite, do not call this while the same process holds
        // an open write transaction on the file: the claim would wait for it.)
        await using var db = await store.SideContextAsync(ct);
        try
        {
            if (!db.Database.IsSqlite())
            {
                // PostgreSQL: the heads, their compare-and-set and whether their streams hold more, in one statement
                // (its own implicit transaction).
                return await Persistence.MirrorBacklogSql.ClaimOnPostgresAsync(db.Database, max, now, now + lease, streams, ct);
            }
            await using var tx = await LegacyStore.BeginOnAsync(db, null, ct);
            var claimed = await Persistence.MirrorBacklogSql.ClaimOnSqliteAsync(db.MirrorBacklog, max, now, now + lease, streams, ct);
            await tx.CommitAsync(ct);
            return claimed;
        }
        catch (Exception ex) when (LegacyStore.IsConflict(ex))
        {
            throw LegacyStore.Conflict(ex);
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
            var pending = db.MirrorBacklog.AsNoTracking().Where(b => b.AppliedAt == null);
            var count = await pending.LongCountAsync(ct);
            // Failing = a pending record whose last attempt failed (a claimed-but-in-flight one has no error yet).
            var failing = await pending.LongCountAsync(b => b.LastError != null, ct);
            // Oldest by seq: seq follows creation, and ordering by the number works on both providers.
            var oldest = await pending.OrderBy(b => b.Seq).Select(b => (Instant?)b.CreatedAt).FirstOrDefaultAsync(ct);
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
        catch (Exception ex) when (LegacyStore.IsConflict(ex))
        {
            throw LegacyStore.Conflict(ex);
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
            // ON CONFLICT DO NOTHING: a duplicate must not raise, since on PostgreSQL an error would abort the
            // transaction that applies (or skips) the mirrored write.
            await LegacyStore.InsertIfAbsentAsync(db, "teski_mirror_applied", "record_id, applied_at", [recordId, now], ct) == 1, ct);

    public Task<IReadOnlySet<Guid>> TryRecordAppliedAsync(IReadOnlyList<Guid> recordIds, Instant now, CancellationToken ct) =>
        store.RunAsync(db => Persistence.MirrorBacklogSql.RecordAppliedAsync(db.Database, recordIds, now, id => TryRecordAppliedAsync(id, now, ct), ct), ct);
}
