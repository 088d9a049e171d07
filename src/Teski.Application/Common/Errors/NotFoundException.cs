namespace Teski.Application.Common.Errors;

/// <summary>A named thing does not exist for this user; <see cref="Code"/> is the stable wire code (<c>memory_not_found</c>, …).</summary>
public sealed class NotFoundException(string code, string? message = null) : Exception(message ?? code)
{
    public string Code { get; } = code;
}

/// <summary>The request is well-formed but not allowed in the current configuration (v2 off, kill switch).</summary>
public sealed class UnavailableException(string code, string? message = null) : Exception(message ?? code)
{
    public string Code { get; } = code;
}
