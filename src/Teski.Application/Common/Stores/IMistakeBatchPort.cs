using NodaTime;
using Teski.Application.Memory;

namespace Teski.Application.Common.Stores;

/// <summary>A mirrored mistake to apply: the person as the primary knows them, the entry (with the primary's ids) and when.</summary>
public sealed record MirroredMistake(UserIdentity User, MistakeEntry Entry, Instant At);

/// <summary>
/// Optional capability of a store's memory port, beside <see cref="IReviewBatchPort"/>: applies a batch of mirrored
/// mistakes with a fixed number of statements instead of five or six per mistake. Same meaning as applying each with
/// <see cref="IUserPort.ResolveAsync"/> (creating missing people) and <see cref="IMemoryPort.LogMistakeAsync"/>, in the
/// given order. Must run inside the store's transaction.
/// </summary>
public interface IMistakeBatchPort
{
    /// <summary>Applies <paramref name="mistakes"/> in order; returns each one's person as this store knows them.</summary>
    Task<IReadOnlyList<UserIdentity>> ApplyMistakesAsync(IReadOnlyList<MirroredMistake> mistakes, CancellationToken ct);
}
