using NodaTime;

namespace Teski.Application.Common.Stores;

/// <summary>
/// A write to mirror, as stored in the primary's backlog (transactional outbox). <paramref name="StreamHasMore"/>: when
/// claimed, its stream held a later unapplied record (true when the store does not say).
/// </summary>
public sealed record MirrorRecord(
    Guid Id, long Seq, string Stream, string Kind, string Payload, Instant CreatedAt, int Attempts, Instant NextAttemptAt, bool StreamHasMore = true);

/// <summary>
/// The durable backlog of writes still to be applied to the mirror store (<c>teski_mirror_backlog</c>) and the
/// exactly-once ledger of records already applied here (<c>teski_mirror_applied</c>).
/// </summary>
public interface IMirrorBacklog
{
    /// <summary>Adds a record inside the current transaction (the same one as the business write).</summary>
    Task AddAsync(Guid id, string stream, string kind, string payload, Instant now, CancellationToken ct);

    /// <summary>
    /// Claims up to <paramref name="max"/> records that are due: for each stream (user) only its oldest unapplied
    /// record, and only when that one is due (<c>next_attempt_at ≤ now</c>), so a stream is never applied out of
    /// order. A claim is a compare-and-set that pushes <c>next_attempt_at</c> to <c>now + lease</c> and counts an
    /// attempt, so another instance skips it until the lease runs out (a crashed claimer's record comes back).
    /// <paramref name="streams"/> restricts the claim to those streams (the ones requests have just written, applied
    /// right after their commit); null claims from every stream. Runs in its own short transaction, not the caller's.
    /// </summary>
    Task<IReadOnlyList<MirrorRecord>> ClaimDueAsync(int max, Instant now, Duration lease, IReadOnlyCollection<string>? streams, CancellationToken ct);

    /// <summary>Marks the records applied (one statement for a whole batch).</summary>
    Task MarkAppliedAsync(IReadOnlyCollection<Guid> ids, Instant now, CancellationToken ct);

    Task MarkFailedAsync(Guid id, string error, Instant nextAttemptAt, CancellationToken ct);

    Task<BacklogStatus> StatusAsync(Instant now, CancellationToken ct);

    /// <summary>
    /// Has the database re-read the backlog table's statistics (PostgreSQL: <c>ANALYZE</c>); false where there are none
    /// to refresh (SQLite). For a backlog that has grown far past what the statistics last saw: the claim over every
    /// stream is planned from them, and the plan made for an (almost) empty backlog reads every pending record once per
    /// record it claims (<see cref="Mirroring.BacklogStatisticsPolicy"/>). Runs on its own connection.
    /// </summary>
    Task<bool> RefreshStatisticsAsync(CancellationToken ct);

    /// <summary>
    /// Deletes up to <paramref name="max"/> records applied before <paramref name="appliedBefore"/> (the applied
    /// history kept for <see cref="Mirroring.MirrorRetention"/>); returns how many it deleted. Never touches a pending
    /// record. Runs in its own short transaction; several instances may prune at once.
    /// </summary>
    Task<int> PruneAppliedAsync(Instant appliedBefore, int max, CancellationToken ct);

    /// <summary>
    /// The ledger's entries (records of the other store applied here) recorded before <paramref name="appliedBefore"/>,
    /// oldest first, at most <paramref name="max"/>: candidates for <see cref="ForgetAppliedAsync"/>.
    /// </summary>
    Task<IReadOnlyList<Guid>> LedgerBeforeAsync(Instant appliedBefore, int max, CancellationToken ct);

    /// <summary>
    /// Of <paramref name="ids"/>, the records this backlog still holds unapplied: the ones that can still be claimed, and
    /// so whose ledger entries in the other store must stay.
    /// </summary>
    Task<IReadOnlySet<Guid>> PendingAmongAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct);

    /// <summary>
    /// Deletes these entries from the ledger; returns how many it deleted. Only for records the other store's backlog no
    /// longer holds unapplied (<see cref="PendingAmongAsync"/>): such a record is never claimed again, so its entry
    /// guards nothing. Runs in its own short transaction; several instances may do it at once.
    /// </summary>
    Task<int> ForgetAppliedAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct);

    /// <summary>
    /// In the mirror store, inside the transaction applying the record: true the first time, false when the record
    /// was applied before (so a retry or a second instance never applies it twice).
    /// </summary>
    Task<bool> TryRecordAppliedAsync(Guid recordId, Instant now, CancellationToken ct);

    /// <summary>
    /// <see cref="TryRecordAppliedAsync(Guid, Instant, CancellationToken)"/> for a batch: returns the ids recorded for
    /// the first time (the others were applied before). One statement on PostgreSQL.
    /// </summary>
    Task<IReadOnlySet<Guid>> TryRecordAppliedAsync(IReadOnlyList<Guid> recordIds, Instant now, CancellationToken ct);
}

public sealed record BacklogStatus(long Pending, Duration? OldestAge, long Failing);
