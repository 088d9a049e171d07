using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;

namespace Teski.Api.Errors;

/// <summary>RFC 9457 problem details for every error, snake_case JSON, and strict binding.</summary>
public static class ErrorHandlingServices
{
    public static IServiceCollection AddTeskiErrorHandling(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            if (!problem.Extensions.TryGetValue("code", out var code) || code is not string)
            {
                code = string.IsNullOrEmpty(problem.Detail) || problem.Detail.Contains(' ', StringComparison.Ordinal)
                    ? ErrorCodes.ForStatus(status)
                    : problem.Detail;
                problem.Extensions["code"] = code;
            }
            problem.Detail ??= (string)code!;
            problem.Extensions["trace_id"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
            problem.Extensions.Remove("traceId");
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();

        services.Configure<JsonOptions>(options => ConfigureJson(options.SerializerOptions));

        // Without this, a binding failure outside Development is an empty 400; with it, the exception handler sees
        // the cause and can name the field.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>The JSON contract of both API families: snake_case names and enum values, no integer enums, no NaN.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        // Instants on the wire are ISO-8601 UTC ("2025-03-30T01:30:00Z"), fractional seconds only when present.
        NodaTime.Serialization.SystemTextJson.Extensions.ConfigureForNodaTime(options, NodaTime.DateTimeZoneProviders.Tzdb);
    }

    public static IApplicationBuilder UseTeskiErrorHandling(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimit();
        return app;
    }
}
