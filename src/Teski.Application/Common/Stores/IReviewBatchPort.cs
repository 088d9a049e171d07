using NodaTime;

namespace Teski.Application.Common.Stores;

/// <summary>A mirrored review to apply: the person as the primary knows them, the concept, the grade and when.</summary>
public sealed record MirroredReview(UserIdentity User, string Concept, int Grade, Instant At);

/// <summary>
/// Optional capability of a store's memory port: applies a batch of mirrored reviews with a fixed number of statements
/// (the people in one query, their locks in one, their cards in one, the updates in one batch) instead of four per
/// review. Same meaning as applying each with <see cref="IUserPort.ResolveAsync"/> (creating missing people) and
/// <see cref="IMemoryPort.ReviewAsync"/> by concept, in the given order. Must run inside the store's transaction.
/// </summary>
public interface IReviewBatchPort
{
    /// <summary>Applies <paramref name="reviews"/> in order; returns each one's person as this store knows them.</summary>
    Task<IReadOnlyList<UserIdentity>> ApplyReviewsAsync(IReadOnlyList<MirroredReview> reviews, CancellationToken ct);
}
