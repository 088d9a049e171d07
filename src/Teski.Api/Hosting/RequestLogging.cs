using System.Diagnostics;

namespace Teski.Api.Hosting;

/// <summary>One structured line per request: method, path (no query: it may carry user ids), status, elapsed.</summary>
public static class RequestLogging
{
    public static IApplicationBuilder UseTeskiRequestLogging(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Teski.Api.Requests");
        return app.Use(async (context, next) =>
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                logger.LogInformation("{Method} {Path} {Status} {ElapsedMs:0.0}ms",
                    context.Request.Method, context.Request.Path.Value, context.Response.StatusCode, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        });
    }
}
