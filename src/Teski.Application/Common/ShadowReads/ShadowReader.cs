using System.Collections.Concurrent;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Teski.Application.Common.ShadowReads;

/// <summary>
/// Runs the shadow copy of a read in the background, in its own DI scope where the mirror store is primary, and
/// compares the two answers' projections. Nothing here can reach the response: it was already returned, and every
/// failure is caught, counted and logged.
/// </summary>
public sealed class ShadowReader(IServiceScopeFactory scopes, IShadowReadMetrics metrics, ILogger<ShadowReader> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();

    public void Schedule<TRequest, TResponse>(TRequest request, TResponse primaryAnswer, IShadowProjection<TRequest, TResponse> projection)
        where TRequest : IRequest<TResponse>
    {
        var name = typeof(TRequest).Name;
        string keys;
        string primary;
        try
        {
            keys = projection.Keys(request);
            primary = JsonSerializer.Serialize(projection.Project(primaryAnswer), Json);
        }
        catch (Exception ex)
        {
            metrics.Failed(name);
            logger.LogWarning(ex, "Shadow read of {Request} could not project the primary answer", name);
            return;
        }
        var task = Task.Run(() => CompareAsync(request, name, keys, primary, projection));
        _inFlight.TryAdd(task, 0);
        _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>Completes when every shadow read scheduled so far has finished (tests, graceful shutdown).</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_inFlight.Keys.ToArray());

    private async Task CompareAsync<TRequest, TResponse>(TRequest request, string name, string keys, string primary, IShadowProjection<TRequest, TResponse> projection)
        where TRequest : IRequest<TResponse>
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<ShadowReadScope>().IsShadow = true;
            var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var answer = await mediator.Send(request, timeout.Token);
            var mirror = JsonSerializer.Serialize(projection.Project(answer), Json);
            metrics.Compared(name);
            if (!string.Equals(primary, mirror, StringComparison.Ordinal))
            {
                metrics.Mismatch(name);
                logger.LogWarning("Shadow read mismatch: {Request} {Keys}: primary {Primary} mirror {Mirror}", name, keys, primary, mirror);
            }
        }
        catch (Exception ex)
        {
            // The mirror could not answer (down, slow, or the answer is an error such as not-found). That is a
            // failed comparison, not a mismatch: the mirror's health is visible in the backlog figures.
            metrics.Failed(name);
            logger.LogWarning(ex, "Shadow read of {Request} {Keys} failed on the mirror store", name, keys);
        }
    }
}
