using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Teski.Api.Errors;

/// <summary>
/// Turns every exception into a problem; never writes exception messages of unknown exceptions or stack traces.
/// Binding failures of minimal APIs arrive as <see cref="BadHttpRequestException"/> because
/// <c>RouteHandlerOptions.ThrowOnBadRequest</c> is on everywhere (see <see cref="ErrorHandlingServices"/>).
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, errors) = Classify(exception);
        if (status == 503)
        {
            logger.LogWarning(exception, "Store unavailable for {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            httpContext.Response.Headers.RetryAfter = "1";
        }
        else if (status >= 500)
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }
        else
        {
            logger.LogDebug(exception, "Request failed with {Status} {Code}", status, code);
        }
        httpContext.Response.StatusCode = status;
        var problem = errors is null
            ? new ProblemDetails { Status = status, Detail = code }
            : new HttpValidationProblemDetails(errors) { Status = status, Detail = code };
        problem.Extensions["code"] = code;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = null });
    }

    internal static (int Status, string Code, IDictionary<string, string[]>? Errors) Classify(Exception exception) => exception switch
    {
        ValidationFailedException v => (v.Status, v.Code, v.Errors),
        ProblemException p => (p.Status, p.Code, null),
        Application.Common.Errors.NotFoundException nf => (404, nf.Code, null),
        Application.Common.Errors.UnavailableException un => (503, un.Code, null),
        // A write that kept losing races after its retries, or a store that does not answer: the client may retry;
        // nothing was acknowledged (the primary transaction rolled back).
        Application.Common.Mirroring.StoreConflictException => (503, "store_busy", null),
        System.Data.Common.DbException or TimeoutException => (503, "store_unavailable", null),
        ValidationException fv => (400, ErrorCodes.ValidationFailed, fv.Errors
            .GroupBy(e => JsonNamingPolicy.SnakeCaseLower.ConvertName(e.PropertyName ?? ""))
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).ToArray())),
        BadHttpRequestException bad => FromBadRequest(bad),
        JsonException json => (400, ErrorCodes.ValidationFailed, JsonErrors(json)),
        _ => (500, ErrorCodes.InternalError, null),
    };

    private static (int, string, IDictionary<string, string[]>?) FromBadRequest(BadHttpRequestException bad)
    {
        if (bad.StatusCode != StatusCodes.Status400BadRequest)
        {
            return (bad.StatusCode, ErrorCodes.ForStatus(bad.StatusCode), null);
        }
        if (bad.InnerException is JsonException json)
        {
            return (400, ErrorCodes.ValidationFailed, JsonErrors(json));
        }
        // RequestDelegateFactory's messages for route/query/header binding: 'Failed to bind parameter "Guid id" from "x".'
        // and 'Required parameter "int limit" was not provided from query string.'
        var bind = BindFailure().Match(bad.Message);
        if (bind.Success)
        {
            var field = JsonNamingPolicy.SnakeCaseLower.ConvertName(bind.Groups["name"].Value);
            var type = bind.Groups["type"].Value.TrimEnd('?');
            return (400, ErrorCodes.ValidationFailed, new Dictionary<string, string[]> { [field] = [$"is not a valid {FriendlyType(type)}"] });
        }
        var missing = RequiredMissing().Match(bad.Message);
        if (missing.Success)
        {
            var field = JsonNamingPolicy.SnakeCaseLower.ConvertName(missing.Groups["name"].Value);
            return (400, ErrorCodes.ValidationFailed, new Dictionary<string, string[]> { [field] = ["is required"] });
        }
        if (bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase))
        {
            return (400, ErrorCodes.ValidationFailed, new Dictionary<string, string[]> { ["body"] = ["is missing or not valid JSON"] });
        }
        return (400, ErrorCodes.MalformedRequest, null);
    }

    private static Dictionary<string, string[]> JsonErrors(JsonException json)
    {
        var field = FieldFromJsonPath(json.Path);
        // System.Text.Json's own messages name CLR types; clients get a neutral sentence instead.
        var message = field == "body" ? "is not valid JSON" : "has a value of the wrong type, out of range, or not one of the allowed values";
        return new Dictionary<string, string[]> { [field] = [message] };
    }

    /// <summary><c>$.card.grade</c> → <c>card.grade</c>, <c>$.items[2].id</c> → <c>items[2].id</c>, <c>$</c>/none → <c>body</c>.</summary>
    internal static string FieldFromJsonPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        field = field.Replace("['", ".", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal).TrimStart('.');
        return field.Length == 0 ? "body" : field;
    }

    private static string FriendlyType(string clrType) => clrType switch
    {
        "Guid" or "System.Guid" => "UUID",
        "int" or "long" or "short" or "Int32" or "Int64" => "integer",
        "double" or "decimal" or "float" => "number",
        "bool" or "Boolean" => "boolean",
        "DateTime" or "DateTimeOffset" or "DateOnly" or "Instant" or "LocalDate" => "date/time",
        _ => "value",
    };

    [GeneratedRegex("^Failed to bind parameter \"(?<type>[^\"]+) (?<name>[^\" ]+)\" from", RegexOptions.CultureInvariant)]
    private static partial Regex BindFailure();

    [GeneratedRegex("^Required parameter \"(?<type>[^\"]+) (?<name>[^\" ]+)\" was not provided", RegexOptions.CultureInvariant)]
    private static partial Regex RequiredMissing();
}
