using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Teski.Api.Configuration;

namespace Teski.Api.Hosting;

/// <summary>
/// At most <see cref="TeskiConfiguration.MaxConcurrentRequests"/> API requests in flight per instance; the others wait
/// their turn in arrival order, up to <see cref="TeskiConfiguration.RequestQueueLimit"/>, and beyond that get 503 with a
/// problem body and <c>Retry-After</c>. ASP.NET Core's concurrency limiter on the API route groups (health, metrics
/// and OpenAPI are not limited, so probes answer under load). Why a limit at all: ADR 0010.
/// </summary>
public static class RequestConcurrency
{
    public const string Policy = "teski-api";

    /// <summary>Seconds a rejected client is told to wait.</summary>
    public const int RetryAfterSeconds = 1;

    public static IServiceCollection AddTeskiRequestConcurrency(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<TeskiConfiguration>((options, configuration) =>
        {
            options.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            options.OnRejected = (context, _) =>
            {
                // The status code pages middleware writes the problem body for the empty 503.
                context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
            // One partition for the whole instance, built once: the policy is asked for it on every request, and the
            // middleware creates the limiter from it the first time only.
            var limiterOptions = new ConcurrencyLimiterOptions
            {
                PermitLimit = configuration.MaxConcurrentRequests,
                QueueLimit = configuration.RequestQueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            };
            var partition = configuration.MaxConcurrentRequests == 0
                ? RateLimitPartition.GetNoLimiter(string.Empty)
                : RateLimitPartition.GetConcurrencyLimiter(string.Empty, _ => limiterOptions);
            options.AddPolicy(Policy, _ => partition);
        });
        return services;
    }

    /// <summary>Puts the endpoints of <paramref name="builder"/> under the instance's request limit (and says so in OpenAPI).</summary>
    public static TBuilder LimitConcurrency<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireRateLimiting(Policy);
        builder.ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return builder;
    }
}
