using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Teski.Application.Common.Stores;

namespace Teski.Application.Common.Mirroring;

/// <summary>
/// Drains the mirror backlog while the service runs: every record a request could not mirror at once (mirror down
/// or slow, process crashed between commit and mirror) is applied here, in order per user, exactly once — also
/// when several instances run this loop against the same stores (claims are compare-and-set leases).
/// </summary>
public sealed class MirrorBackgroundService(
    IServiceScopeFactory scopes,
    MirrorDispatcher dispatcher,
    IMirrorMetrics metrics,
    IClock clock,
    ILogger<MirrorBackgroundService> logger) : BackgroundService
{
    public static readonly TimeSpan IdleDelay = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var applied = 0;
            try
            {
                await using (var scope = scopes.CreateAsyncScope())
                {
                    var router = scope.ServiceProvider.GetRequiredService<IStoreRouter>();
                    // Also without a mirror: records left from a dual-write stage still go to the other store.
                    var status = await router.Primary.Backlog.StatusAsync(clock.GetCurrentInstant(), stoppingToken);
                    metrics.BacklogObserved(status.Pending, status.OldestAge?.TotalSeconds ?? 0);
                    if (router.Mirror is null && status.Pending == 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
                        continue;
                    }
                }
                applied = await dispatcher.DrainAsync(stream: null, max: 500, stoppingToken);
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
}
