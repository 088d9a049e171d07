using Mediator;
using Microsoft.Extensions.Logging;
using NodaTime;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Stores;

namespace Teski.Application.Common.Behaviors;

/// <summary>
/// Every write: one transaction on the primary store holding the business change and, when there is a mirror, the
/// backlog records of its facts (transactional outbox). The write is acknowledged once that commits. Then the
/// request's own streams go to the mirror: handed to the background workers (<see cref="MirrorWakeup"/>) when the
/// service runs them and keep up, so the answer does not wait for the second store; applied inline otherwise (within
/// a budget) — without workers, or when they fall behind (<see cref="MirrorWakeup.InlineAbove"/>: backpressure).
/// A slow or absent mirror leaves the records in the backlog for the background dispatcher. A mirror failure never
/// fails the request. An <see cref="IStepwiseWrite"/> (no fact to mirror) runs without the transaction on its first attempt.
/// </summary>
public sealed class DualWriteBehavior<TMessage, TResponse>(
    IStoreRouter router,
    WriteScope scope,
    MirrorDispatcher dispatcher,
    MirrorWakeup wakeup,
    IMirrorMetrics metrics,
    IClock clock,
    ILogger<DualWriteBehavior<TMessage, TResponse>> logger) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IWriteCommand, IMessage
{
    private const int MaxAttempts = 8;

    /// <summary>How long a request waits for its own mirror copy before leaving it to the background dispatcher.</summary>
    public static readonly TimeSpan ImmediateMirrorBudget = TimeSpan.FromSeconds(2);

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            scope.Clear();
            try
            {
                if (attempt == 1 && message is IStepwiseWrite)
                {
                    // No fact to mirror and every port call atomic on its own: no transaction, no COMMIT round trip.
                    // A retry takes the transactional path below, whose BeginAsync also drops what the failed
                    // attempt left tracked.
                    scope.Stepwise = true;
                    try
                    {
                        return await next(message, cancellationToken);
                    }
                    finally
                    {
                        scope.Stepwise = false;
                    }
                }
                TResponse response;
                await using (var tx = await router.Primary.BeginAsync(cancellationToken))
                {
                    response = await next(message, cancellationToken);
                    if (router.Mirror is not null)
                    {
                        var now = clock.GetCurrentInstant();
                        foreach (var fact in scope.Facts)
                        {
                            // Time-ordered ids (UUIDv7): each insert lands at the right edge of the backlog's primary key,
                            // and of the mirror's ledger, instead of on a random leaf page.
                            await router.Primary.Backlog.AddAsync(Guid.CreateVersion7(), fact.Stream, fact.Kind, fact.Serialize(), now, cancellationToken);
                        }
                    }
                    await tx.CommitAsync(cancellationToken);
                }
                if (router.Mirror is not null && scope.Facts.Count > 0)
                {
                    await MirrorAsync(scope.Facts.Select(f => f.Stream).Distinct().ToList());
                }
                return response;
            }
            catch (StoreConflictException ex) when (attempt < MaxAttempts)
            {
                logger.LogDebug(ex, "{Request} lost a race (attempt {Attempt}); retrying", typeof(TMessage).Name, attempt);
                await Task.Delay(Random.Shared.Next(2, 10 * attempt), cancellationToken);
            }
        }
    }

    private async Task MirrorAsync(IReadOnlyList<string> streams)
    {
        if (wakeup.ShouldSignal)
        {
            foreach (var stream in streams)
            {
                if (!wakeup.TrySignal(stream))
                {
                    // The workers' queue is full (the mirror is falling behind): the periodic pass applies the record.
                    metrics.Deferred();
                }
            }
            return;
        }
        if (wakeup.HasListener)
        {
            // Listened to, but the workers' queue is past InlineAbove: this request mirrors itself (backpressure).
            metrics.BehindInline(streams.Count);
        }
        await MirrorNowAsync(streams);
    }

    private async Task MirrorNowAsync(IReadOnlyList<string> streams)
    {
        using var budget = new CancellationTokenSource(ImmediateMirrorBudget);
        foreach (var stream in streams)
        {
            try
            {
                var applied = await dispatcher.DrainAsync(stream, 16, budget.Token);
                if (applied == 0)
                {
                    metrics.Deferred();
                }
            }
            catch (OperationCanceledException)
            {
                metrics.Deferred();
                logger.LogInformation("Mirror of stream {Stream} deferred to the backlog (over {Budget})", stream, ImmediateMirrorBudget);
            }
        }
    }
}
