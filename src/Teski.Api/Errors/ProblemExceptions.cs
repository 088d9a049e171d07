namespace Teski.Api.Errors;

/// <summary>
/// An error with a stable code that endpoints throw and <see cref="ProblemExceptionHandler"/> turns into an
/// RFC 9457 problem: <c>status</c>, <c>detail</c> = <c>code</c> = <see cref="Code"/>.
/// </summary>
public abstract class ProblemException(int status, string code, string? message = null) : Exception(message ?? code)
{
    public int Status { get; } = status;

    public string Code { get; } = code;
}

/// <summary>404, e.g. <c>new NotFoundException("memory_not_found")</c>.</summary>
public sealed class NotFoundException(string code) : ProblemException(StatusCodes.Status404NotFound, code);

/// <summary>403; the default code is <c>forbidden</c>.</summary>
public sealed class ForbiddenException(string code = ErrorCodes.Forbidden) : ProblemException(StatusCodes.Status403Forbidden, code);

/// <summary>401; thrown when an endpoint asks for the user of an anonymous request.</summary>
public sealed class UnauthorizedException(string code = ErrorCodes.Unauthorized) : ProblemException(StatusCodes.Status401Unauthorized, code);

/// <summary>409, e.g. a duplicate.</summary>
public sealed class ConflictException(string code) : ProblemException(StatusCodes.Status409Conflict, code);

/// <summary>400 <c>validation_failed</c> with the offending fields (snake_case names) and their messages.</summary>
public sealed class ValidationFailedException(IDictionary<string, string[]> errors)
    : ProblemException(StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed)
{
    public ValidationFailedException(string field, string message)
        : this(new Dictionary<string, string[]> { [field] = [message] })
    {
    }

    public IDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>Codes the host itself produces; business codes (<c>memory_not_found</c>, ...) live with their endpoints.</summary>
public static class ErrorCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string MalformedRequest = "malformed_request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string UserIdMismatch = "user_id_mismatch";
    public const string UserIdHeaderQueryMismatch = "user_id_header_query_mismatch";
    public const string InvalidUserId = "invalid_user_id";
    public const string KillSwitch = "kill_switch";
    public const string ServiceUnavailable = "service_unavailable";
    public const string InternalError = "internal_error";

    /// <summary>The code used for a bare status (status code pages, challenges).</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => MalformedRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => "conflict",
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        429 => "too_many_requests",
        503 => ServiceUnavailable,
        >= 500 => InternalError,
        _ => "error",
    };
}
