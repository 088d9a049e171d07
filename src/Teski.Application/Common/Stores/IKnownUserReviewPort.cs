using NodaTime;
using Teski.Application.Common.Settings;
using Teski.Application.Memory;

namespace Teski.Application.Common.Stores;

/// <summary>
/// Optional capability of a store's memory port: <c>POST /memory/review</c> for a v2 user the store already has, whose
/// row is read with the review's locks instead of being resolved first (one round trip less). Same meaning as
/// <see cref="IUserPort.ResolveAsync"/> (no hint, nothing to create) followed by <see cref="IMemoryPort.ReviewAsync"/>.
/// </summary>
public interface IKnownUserReviewPort
{
    /// <summary>
    /// The user as <see cref="IUserPort.ResolveAsync"/> would return them (read under the review's lock) and the
    /// recorded review, or a null review when the item is not the user's (nothing written). Null when this store cannot
    /// do it here, or when the user is not in this store: then nothing was written, and the caller resolves (creates)
    /// the user and calls <see cref="IMemoryPort.ReviewAsync"/>.
    /// </summary>
    Task<KnownUserReview?> ReviewKnownUserAsync(Guid userId, ReviewTarget target, int grade, Instant now, V2RuleSettings rules, CancellationToken ct);
}

/// <summary>The user a <see cref="IKnownUserReviewPort"/> review acted for, and the review (null: no such item of theirs).</summary>
public sealed record KnownUserReview(UserIdentity User, ReviewRecorded? Recorded);
