using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Teski.Api.Errors;
using Teski.Application.Common.Identity;

namespace Teski.Api.Auth;

/// <summary>
/// <c>TESKI_TRUST_USER_HEADER</c> (local development only): the caller names itself with <c>X-User-Id</c> or
/// <c>?user_id=</c>. Reproduces the legacy app, including its 400 when header and query disagree.
/// </summary>
internal sealed class TrustedUserHeaderHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "TrustedUserHeader";
    public const string HeaderName = "X-User-Id";
    private const string FailureKey = "teski.trusted-header.failure";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers[HeaderName].ToString();
        var query = Request.Query["user_id"].ToString();
        if (header.Length == 0 && query.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        UserRef? fromHeader = null, fromQuery = null;
        if (header.Length > 0)
        {
            if (!UserRef.TryParse(header, out var h))
            {
                return Fail(ErrorCodes.InvalidUserId);
            }
            fromHeader = h;
        }
        if (query.Length > 0)
        {
            if (!UserRef.TryParse(query, out var q))
            {
                return Fail(ErrorCodes.InvalidUserId);
            }
            fromQuery = q;
        }
        if (fromHeader is not null && fromQuery is not null && fromHeader != fromQuery)
        {
            return Fail(ErrorCodes.UserIdHeaderQueryMismatch);
        }
        var user = fromHeader ?? fromQuery!.Value;
        var identity = new ClaimsIdentity([new Claim(TeskiClaims.Subject, user.ToString())], SchemeName, TeskiClaims.Subject, null);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private Task<AuthenticateResult> Fail(string code)
    {
        Context.Items[FailureKey] = code;
        return Task.FromResult(AuthenticateResult.Fail(code));
    }

    /// <summary>A malformed or contradictory self-identification is a bad request, not a missing credential.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[FailureKey] is string code)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            var problem = new ProblemDetails { Status = 400, Detail = code };
            problem.Extensions["code"] = code;
            await Context.RequestServices.GetRequiredService<IProblemDetailsService>()
                .WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem });
            return;
        }
        await base.HandleChallengeAsync(properties);
    }
}
