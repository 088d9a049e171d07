using Microsoft.AspNetCore.Mvc;
using Teski.Api.Configuration;
using Teski.Api.Errors;

namespace Teski.Api.Endpoints;

/// <summary>
/// <c>TESKI_MEMORY_V2_ENABLED=false</c> → v2 endpoints answer 404 as if absent; <c>KILL_SWITCH</c> → 503.
/// Runs after routing (it reads the endpoint's metadata) and before authentication, so the answer does not
/// depend on the credentials and does not reveal that the routes exist.
/// </summary>
public static class V2FamilyGate
{
    public static IApplicationBuilder UseV2FamilyGate(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<V2EndpointMetadata>() is not null
            && !HttpMethods.IsOptions(context.Request.Method))
        {
            var configuration = context.RequestServices.GetRequiredService<TeskiConfiguration>();
            var status = !configuration.Flags.V2Enabled ? StatusCodes.Status404NotFound
                : configuration.V2Rules.KillSwitch ? StatusCodes.Status503ServiceUnavailable
                : 0;
            if (status != 0)
            {
                var code = status == StatusCodes.Status404NotFound ? ErrorCodes.NotFound : ErrorCodes.KillSwitch;
                context.Response.StatusCode = status;
                var problem = new ProblemDetails { Status = status, Detail = code };
                problem.Extensions["code"] = code;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>()
                    .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
                return;
            }
        }
        await next(context);
    });
}
