using Teski.Api.Auth;
using Teski.Infrastructure.Operations;

namespace Teski.Api.Endpoints;

/// <summary>
/// Operator endpoints. <c>GET /admin/rollout</c> answers what <c>rollout status</c> prints, as JSON. Admin only: a bearer
/// token carrying the claim <c>role</c> = <c>TESKI_ADMIN</c> (the legacy <c>user.role</c> name of the platform
/// administrator). The claim is taken from the signed token alone, not looked up in the legacy <c>user</c> table, so it
/// keeps working after the legacy drop; no token → 401, a token without the claim (or the dev trusted header) → 403.
/// </summary>
public sealed class AdminEndpoints : IEndpointModule
{
    public const string RoleClaim = "role";
    public const string AdminRole = "TESKI_ADMIN";

    public void Map(IEndpointRouteBuilder app) =>
        app.MapGroup("/admin").WithTags("admin")
            .RequireAuthorization(policy => policy
                .AddAuthenticationSchemes(AuthServices.SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim(RoleClaim, AdminRole))
            .MapGet("/rollout", (RolloutStatusReader reader, CancellationToken ct) => reader.ReadAsync(ct))
            .Produces<RolloutStatusReport>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
}
