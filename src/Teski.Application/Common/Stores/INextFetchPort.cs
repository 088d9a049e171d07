using NodaTime;
using Teski.Application.Memory;

namespace Teski.Application.Common.Stores;

/// <summary>
/// Optional capability of a store's memory port: <c>GET /memory/next</c>'s reads and its analytics write as one
/// statement (one round trip) instead of two. Same meaning as <see cref="IMemoryPort.NextDueAsync"/> with
/// <c>min(requested, dailyCap)</c>, trimmed to <see cref="Teski.Domain.Users.DailyCap.Limit"/> of today's count, followed by
/// <see cref="Teski.Application.Xp.IProgressPort.RecordEventAsync"/> of <c>memory.review_fetch</c> with the returned count
/// (nothing is recorded for a user without analytics consent).
/// </summary>
public interface INextFetchPort
{
    /// <summary>
    /// The capped due items of the v2 user <paramref name="userId"/> and today's review count (in the user's time zone,
    /// as their row has it when the statement runs), with the fetch event recorded; the user's row is read in the same
    /// statement. Null when this store cannot do it in one statement here, or when the user is not in this store: then
    /// nothing was read or written, and the caller takes the two-step path (which creates the user). The count may stop at
    /// <paramref name="dailyCap"/>: the cap arithmetic (<c>DailyCap</c>) is all it is used for, and is the same for any
    /// count at or above the cap.
    /// </summary>
    Task<DueReviews?> TakeNextAsync(Guid userId, int requested, int dailyCap, Instant now, CancellationToken ct);
}
