using System.Reflection;
using Teski.Api.Auth;
using Teski.Api.Errors;
using Teski.Api.Hosting;

namespace Teski.Api.Endpoints;

/// <summary>
/// The two API families. Business endpoints hang off these groups and inherit authentication, the
/// <c>user_id</c> query check, the v2 flag / kill switch, the request limit (<see cref="RequestConcurrency"/>) and the
/// problem responses in OpenAPI.
/// </summary>
public static class RouteGroups
{
    /// <summary>The v2 family is served under both prefixes with the same handlers (the web client uses <c>/api/memory</c>).</summary>
    public static readonly IReadOnlyList<string> V2Prefixes = ["/memory", "/api/memory"];

    public const string LegacyPrefix = "/api/v1";

    /// <summary>
    /// Both v2 groups. Map each handler on every group: <c>foreach (var g in app.MapV2Group()) g.MapGet("/items", ...)</c>,
    /// or use <see cref="MapV2"/>. Endpoint names (<c>WithName</c>) must be unique, so do not name v2 endpoints,
    /// or suffix the name with the prefix.
    /// </summary>
    public static IReadOnlyList<RouteGroupBuilder> MapV2Group(this IEndpointRouteBuilder app) =>
        [.. V2Prefixes.Select(prefix => app.MapGroup(prefix).WithMetadata(V2EndpointMetadata.Instance).WithTags("memory-v2").RequireTeskiUser().LimitConcurrency())];

    /// <summary>Maps the same endpoints on <c>/memory</c> and <c>/api/memory</c>.</summary>
    public static void MapV2(this IEndpointRouteBuilder app, Action<RouteGroupBuilder> map)
    {
        foreach (var group in app.MapV2Group())
        {
            map(group);
        }
    }

    /// <summary>The legacy family under <c>/api/v1</c>. <c>/leaderboards/...</c> sits at the root: use <see cref="MapLegacyRootGroup"/>.</summary>
    public static RouteGroupBuilder MapLegacyGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup(LegacyPrefix).WithTags("legacy").RequireTeskiUser().LimitConcurrency();

    /// <summary>A legacy-family group at an arbitrary prefix (e.g. <c>/leaderboards</c>) with the same conventions.</summary>
    public static RouteGroupBuilder MapLegacyRootGroup(this IEndpointRouteBuilder app, string prefix) =>
        app.MapGroup(prefix).WithTags("legacy").RequireTeskiUser().LimitConcurrency();

    /// <summary>Requires an authenticated subject and checks any <c>user_id</c> query parameter against it (403).</summary>
    public static TBuilder RequireTeskiUser<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireAuthorization(AuthServices.UserPolicy);
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.Request.Query.TryGetValue("user_id", out var values))
            {
                foreach (var value in values)
                {
                    await http.RequestServices.GetRequiredService<ICurrentUser>().EnsureSameUserAsync(value, http.RequestAborted);
                }
            }
            return await next(context);
        });
        builder.ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return builder;
    }

    /// <summary>Maps every <see cref="IEndpointModule"/> of this assembly and of DI.</summary>
    public static IEndpointRouteBuilder MapEndpointModules(this IEndpointRouteBuilder app)
    {
        var modules = typeof(RouteGroups).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IEndpointModule).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (IEndpointModule)Activator.CreateInstance(t)!)
            .Concat(app.ServiceProvider.GetServices<IEndpointModule>());
        foreach (var module in modules)
        {
            module.Map(app);
        }
        return app;
    }
}

/// <summary>Marks an endpoint as part of the v2 family, which <see cref="V2FamilyGate"/> switches off or kills.</summary>
public sealed class V2EndpointMetadata
{
    public static readonly V2EndpointMetadata Instance = new();

    private V2EndpointMetadata()
    {
    }
}
