using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;

namespace Teski.Application.Common.Mirroring;

/// <summary>
/// Applies the mirror backlog while the service runs. <see cref="Workers"/> worker takes the streams that requests
/// signal right after their commit (<see cref="MirrorWakeup"/>) and applies them within <see cref="CoalesceWindow"/>,
/// off the request path; a
/// periodic pass applies every record a signal did not cover (mirror down or slow, a dropped signal, a process that
/// crashed between commit and mirror, records of another instance). In order per user and exactly once — also when
/// several workers or instances run against the same stores: only a stream's head record is claimable, claims are
/// compare-and-set leases, and the mirror's ledger refuses a record it has applied.
/// </summary>
public sealed class MirrorBackgroundService(
    IServiceScopeFactory scopes,
    MirrorDispatcher dispatcher,
    MirrorWakeup wakeup,
    IMirrorMetrics metrics,
    IClock clock,
    MirrorRetention retention,
    ILogger<MirrorBackgroundService> logger) : BackgroundService
{
    public static readonly TimeSpan IdleDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Signal workers. One: a batch costs a fixed number of statements whatever its size (ADR 0004), so the mirror is
    /// cheapest when one worker gathers the signals into large batches (<see cref="CoalesceWindow"/>). It applies up to
    /// a batch of 64 streams per transaction, far above what the requests of one instance write; when it does fall
    /// behind, writes apply their own copy inline again (<see cref="MirrorWakeup.InlineAbove"/>).
    /// </summary>
    public const int Workers = 1;

    /// <summary>
    /// How long the worker waits, after the signal that woke it, for more signals to share its batch (skipped when a
    /// batch is already waiting). At a moderate load (a few hundred reviews/s) the batches grew from about two records
    /// to about seven, and a dual-write review cost the service and PostgreSQL 5–23 % less CPU in four A/B pairs
    /// (docs/benchmarks.md). The mirror copy lands this much later; the write was acknowledged on the primary's commit
    /// anyway, and reads come from the primary.
    /// </summary>
    public static readonly TimeSpan CoalesceWindow = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long a record has been due before the periodic pass takes it. A fresh record is the signalled worker's: when
    /// the pass claimed those too (it loops at once while it finds work), a dual-write mistake at 500 req/s ran about 19
    /// passes a second, each a claim over every stream (about 1 ms of PostgreSQL time) plus the gauge queries, racing the
    /// worker for the same records in smaller batches (docs/benchmarks.md). Records no signal covers (a dropped signal,
    /// a crash, another instance's, a retry after its backoff) wait this much longer.
    /// </summary>
    public static readonly Duration SweepSettle = Duration.FromSeconds(1);

    /// <summary>How often the backlog gauges are read at most (three queries over the pending records; measured on the
    /// monotonic clock).</summary>
    public static readonly TimeSpan GaugeInterval = TimeSpan.FromSeconds(1);

    /// <summary>Records one signal applies at most (the stream's backlog, in order), before the worker takes the next signals.</summary>
    private const int PerSignal = 16;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listening = wakeup.Listen();
        var loops = new List<Task> { SweepAsync(stoppingToken) };
        for (var i = 0; i < Workers; i++)
        {
            loops.Add(SignalledAsync(stoppingToken));
        }
        await Task.WhenAll(loops);
    }

    /// <summary>Applies the streams requests have just written, as they come.</summary>
    private async Task SignalledAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var stream in wakeup.Signals.ReadAllAsync(stoppingToken))
            {
                if (wakeup.Signals.Count < MirrorDispatcher.BatchSize - 1)
                {
                    await Task.Delay(CoalesceWindow, stoppingToken);
                }
                // Take the signals waiting too (those of the window, or a queue under load), so one claim and one
                // mirror transaction serve several streams (MirrorDispatcher.DrainAsync).
                var streams = new HashSet<string>(StringComparer.Ordinal) { stream };
                while (streams.Count < MirrorDispatcher.BatchSize && wakeup.Signals.TryRead(out var more))
                {
                    streams.Add(more);
                }
                try
                {
                    await dispatcher.DrainAsync(streams, PerSignal * streams.Count, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // The primary itself is unreachable: the record stays in its backlog for the periodic pass.
                    logger.LogWarning(ex, "Mirror of {Count} streams failed; the periodic pass retries them", streams.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Every record of every stream due for <see cref="SweepSettle"/>, the backlog gauges (and, for a backlog grown far
    /// past them, the planner statistics: <see cref="BacklogStatisticsPolicy"/>), and the prune of the applied history.
    /// </summary>
    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        long? observedAt = null;
        long? prunedAt = null;
        long pending = 0;
        var started = Stopwatch.GetTimestamp();
        var statistics = new BacklogStatisticsPolicy();
        while (!stoppingToken.IsCancellationRequested)
        {
            var applied = 0;
            try
            {
                await using (var scope = scopes.CreateAsyncScope())
                {
                    var router = scope.ServiceProvider.GetRequiredService<IStoreRouter>();
                    if (prunedAt is not { } p || Stopwatch.GetElapsedTime(p) >= MirrorRetention.Interval)
                    {
                        prunedAt = Stopwatch.GetTimestamp();
                        await PruneAsync(router, stoppingToken);
                    }
                    if (observedAt is not { } at || Stopwatch.GetElapsedTime(at) >= GaugeInterval)
                    {
                        var status = await router.Primary.Backlog.StatusAsync(clock.GetCurrentInstant(), stoppingToken);
                        metrics.BacklogObserved(status.Pending, status.OldestAge?.TotalSeconds ?? 0);
                        (observedAt, pending) = (Stopwatch.GetTimestamp(), status.Pending);
                        if (statistics.ShouldRefresh(status.Pending, Stopwatch.GetElapsedTime(started)))
                        {
                            await RefreshStatisticsAsync(router.Primary, status.Pending, stoppingToken);
                        }
                    }
                    // Also without a mirror: records left from a dual-write stage still go to the other store.
                    if (router.Mirror is null && pending == 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
                        continue;
                    }
                }
                applied = await dispatcher.DrainAsync(streams: null, max: 500, stoppingToken, SweepSettle);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The primary itself is unreachable: nothing is lost (the backlog lives there); try again shortly.
                logger.LogWarning(ex, "Mirror backlog pass failed");
            }
            if (applied == 0)
            {
                try
                {
                    await Task.Delay(IdleDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Has the primary re-analyze its backlog table, grown far past what its statistics last saw
    /// (<see cref="BacklogStatisticsPolicy"/>). A failure is logged: the claim still works, only on a worse plan.
    /// </summary>
    private async Task RefreshStatisticsAsync(IStore primary, long pending, CancellationToken stoppingToken)
    {
        try
        {
            if (await primary.Backlog.RefreshStatisticsAsync(stoppingToken))
            {
                logger.LogInformation("The {Store} store's mirror backlog holds {Pending} pending records: refreshed its planner statistics",
                    primary.Kind, pending);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Refreshing the planner statistics of the {Store} store's mirror backlog failed", primary.Kind);
        }
    }

    /// <summary>
    /// Deletes the records applied longer than <see cref="MirrorRetention.Keep"/> ago from the backlogs of the stores in
    /// this stage (the primary's, and the mirror's, which holds records of a stage where it was primary), at most
    /// <see cref="MirrorRetention.MaxChunks"/> statements each. A failure is logged and retried on the next pass: pruning
    /// is housekeeping, never a reason to stop mirroring.
    /// </summary>
    private async Task PruneAsync(IStoreRouter router, CancellationToken stoppingToken)
    {
        var before = clock.GetCurrentInstant() - retention.Keep;
        foreach (var store in router.Mirror is { } mirror ? new[] { router.Primary, mirror } : [router.Primary])
        {
            await InChunksAsync("mirror backlog records applied", "mirror backlog", store.Kind, before, async () =>
            {
                var n = await store.Backlog.PruneAppliedAsync(before, MirrorRetention.Chunk, stoppingToken);
                return (n, n == MirrorRetention.Chunk);
            }, stoppingToken);
        }
        if (router.Mirror is { } other)
        {
            await PruneLedgerAsync(ledger: other, source: router.Primary, before, stoppingToken);
            await PruneLedgerAsync(ledger: router.Primary, source: other, before, stoppingToken);
        }
    }

    /// <summary>
    /// Deletes the entries of <paramref name="ledger"/>'s ledger recorded before the retention's cutoff whose records
    /// <paramref name="source"/>'s backlog (the only other store, where they were written) no longer holds unapplied:
    /// marked applied, or already pruned. Such a record is never claimed again, so its entry guards nothing; an entry
    /// whose record is still pending (its mark failed, say) stays, whatever its age. It stops early at a chunk of only
    /// pending records (they would come first again).
    /// </summary>
    private Task PruneLedgerAsync(IStore ledger, IStore source, Instant before, CancellationToken stoppingToken) =>
        InChunksAsync("mirror ledger entries recorded", "mirror ledger", ledger.Kind, before, async () =>
        {
            var candidates = await ledger.Backlog.LedgerBeforeAsync(before, MirrorRetention.Chunk, stoppingToken);
            if (candidates.Count == 0)
            {
                return (0, false);
            }
            var pending = await source.Backlog.PendingAmongAsync(candidates, stoppingToken);
            var done = candidates.Where(id => !pending.Contains(id)).ToList();
            if (done.Count == 0)
            {
                return (0, false);
            }
            return (await ledger.Backlog.ForgetAppliedAsync(done, stoppingToken), candidates.Count == MirrorRetention.Chunk);
        }, stoppingToken);

    /// <summary>
    /// Runs <paramref name="chunk"/> (one short delete; returns how many it deleted and whether more may be due) at most
    /// <see cref="MirrorRetention.MaxChunks"/> times, then logs the total. A failure is logged and left to the next pass:
    /// pruning is housekeeping, never a reason to stop mirroring.
    /// </summary>
    private async Task InChunksAsync(
        string rows, string table, StoreKind store, Instant before, Func<Task<(int Deleted, bool More)>> chunk, CancellationToken stoppingToken)
    {
        try
        {
            var deleted = 0;
            for (var i = 0; i < MirrorRetention.MaxChunks; i++)
            {
                var (n, more) = await chunk();
                deleted += n;
                if (!more)
                {
                    break;
                }
            }
            if (deleted > 0)
            {
                logger.LogInformation("Pruned {Count} {Rows} before {Before} from the {Store} store", deleted, rows, before, store);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Pruning the {Store} store's {Table} failed; the next pass retries", store, table);
        }
    }
}
