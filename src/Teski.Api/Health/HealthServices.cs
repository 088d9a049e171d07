using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Teski.Api.Health;

/// <summary>One readiness condition (a store reachable, its migrations applied). Register as many as needed: <c>services.AddSingleton&lt;IReadinessProbe, ...&gt;()</c>.</summary>
public interface IReadinessProbe
{
    /// <summary>Shown in the <c>/health/ready</c> body.</summary>
    string Name { get; }

    Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken);
}

public sealed record ReadinessResult(bool Ready, string? Reason = null)
{
    public static readonly ReadinessResult IsReady = new(true);

    public static ReadinessResult NotReady(string reason) => new(false, reason);
}

public static class HealthServices
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddTeskiHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<ReadinessProbesCheck>("probes", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapTeskiHealth(this IEndpointRouteBuilder app)
    {
        // Liveness runs no check: the process answering is the whole answer.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries
                .SelectMany(e => e.Value.Data.Count > 0
                    ? e.Value.Data.Select(d => new { name = d.Key, status = d.Value.ToString() ?? "", })
                    : [new { name = e.Key, status = e.Value.Status.ToString().ToLowerInvariant() }])
                .ToArray(),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    /// <summary>Runs every <see cref="IReadinessProbe"/>; unhealthy (503) if any is not ready or throws.</summary>
    private sealed class ReadinessProbesCheck(IEnumerable<IReadinessProbe> probes) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var data = new Dictionary<string, object>();
            var failed = false;
            foreach (var probe in probes)
            {
                ReadinessResult result;
                try
                {
                    result = await probe.CheckAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    result = ReadinessResult.NotReady(ex.GetType().Name);
                }
                failed |= !result.Ready;
                data[probe.Name] = result.Ready ? "ready" : "not ready: " + (result.Reason ?? "unknown");
            }
            return failed
                ? HealthCheckResult.Unhealthy("not ready", data: data)
                : HealthCheckResult.Healthy("ready", data);
        }
    }
}
