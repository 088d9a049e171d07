using System.Security.Claims;
using Teski.Api.Errors;
using Teski.Application.Common.Identity;

namespace Teski.Api.Auth;

/// <summary>The authenticated caller of the current request (scoped).</summary>
public interface ICurrentUser
{
    /// <summary>The subject; throws <see cref="UnauthorizedException"/> when the request is anonymous.</summary>
    UserRef User { get; }

    bool IsAuthenticated { get; }

    /// <summary>
    /// Enforces product-contract.md: a <c>user_id</c> in the query or body must name the caller (403
    /// <c>user_id_mismatch</c> otherwise); null or empty means "omitted" and passes.
    /// </summary>
    Task EnsureSameUserAsync(string? userId, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="EnsureSameUserAsync(string?, CancellationToken)"/>
    Task EnsureSameUserAsync(UserRef? userId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Decides whether two subjects of different kinds (legacy id vs UUID) are the same person. The default knows only
/// equality; the store layer replaces it with one that consults <c>legacy_user_map</c>.
/// </summary>
public interface IUserRefEquivalence
{
    Task<bool> AreSamePersonAsync(UserRef a, UserRef b, CancellationToken cancellationToken);
}

internal sealed class EqualityOnlyUserRefEquivalence : IUserRefEquivalence
{
    public Task<bool> AreSamePersonAsync(UserRef a, UserRef b, CancellationToken cancellationToken) => Task.FromResult(a == b);
}

internal sealed class HttpCurrentUser(IHttpContextAccessor accessor, IUserRefEquivalence equivalence) : ICurrentUser
{
    private ClaimsPrincipal? Principal => accessor.HttpContext?.User;

    public bool IsAuthenticated => Principal?.Identity?.IsAuthenticated == true && TryGetUser(Principal, out _);

    public UserRef User => Principal is { } p && p.Identity?.IsAuthenticated == true && TryGetUser(p, out var user)
        ? user
        : throw new UnauthorizedException();

    public Task EnsureSameUserAsync(string? userId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(userId))
        {
            return Task.CompletedTask;
        }
        if (!UserRef.TryParse(userId, out var claimed))
        {
            throw new ValidationFailedException("user_id", "must be a legacy integer user id or a UUID");
        }
        return EnsureSameUserAsync(claimed, cancellationToken);
    }

    public async Task EnsureSameUserAsync(UserRef? userId, CancellationToken cancellationToken = default)
    {
        if (userId is not { } claimed)
        {
            return;
        }
        var caller = User;
        if (caller != claimed && !await equivalence.AreSamePersonAsync(caller, claimed, cancellationToken))
        {
            throw new ForbiddenException(ErrorCodes.UserIdMismatch);
        }
    }

    internal static bool TryGetUser(ClaimsPrincipal principal, out UserRef user) =>
        UserRef.TryParse(principal.FindFirstValue(TeskiClaims.Subject), out user);
}

public static class TeskiClaims
{
    /// <summary>The JWT <c>sub</c> claim, kept under its own name (<c>MapInboundClaims = false</c>).</summary>
    public const string Subject = "sub";
}
