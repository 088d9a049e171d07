using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Teski.Api.Configuration;
using Teski.Application.Common.Identity;

namespace Teski.Api.Auth;

/// <summary>Authentication (ADR 0003): bearer HS256 tokens, and the trusted header in local development.</summary>
public static class AuthServices
{
    /// <summary>The default scheme: a selector that forwards to the bearer or the trusted-header handler.</summary>
    public const string SchemeName = "Teski";

    /// <summary>The authorization policy every business endpoint group requires.</summary>
    public const string UserPolicy = "TeskiUser";

    public static IServiceCollection AddTeskiAuth(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddScoped<ICurrentUser, HttpCurrentUser>();
        services.AddSingleton<IUserRefEquivalence, EqualityOnlyUserRefEquivalence>();

        services.AddAuthentication(SchemeName)
            .AddPolicyScheme(SchemeName, "Bearer token, or X-User-Id when TESKI_TRUST_USER_HEADER is on", options =>
                options.ForwardDefaultSelector = SelectScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, TrustedUserHeaderHandler>(TrustedUserHeaderHandler.SchemeName, null);

        // Options read TeskiConfiguration from DI, not at registration, so tests and hosts can supply configuration late.
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, ConfigureJwtBearer>();

        services.AddAuthorizationBuilder()
            .AddPolicy(UserPolicy, policy => policy
                .AddAuthenticationSchemes(SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim(TeskiClaims.Subject));
        return services;
    }

    private static string SelectScheme(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return JwtBearerDefaults.AuthenticationScheme;
        }
        var trust = context.RequestServices.GetRequiredService<TeskiConfiguration>().TrustUserHeader;
        return trust ? TrustedUserHeaderHandler.SchemeName : JwtBearerDefaults.AuthenticationScheme;
    }

    internal static TokenValidationParameters ValidationParameters(TeskiConfiguration configuration) => new()
    {
        // Legacy tokens carry neither issuer nor audience; only the signature and (if present) exp bind them.
        ValidateIssuer = false,
        ValidateAudience = false,
        ValidateLifetime = true,
        RequireExpirationTime = false,
        ValidateIssuerSigningKey = true,
        IssuerSigningKey = new SymmetricSecurityKey(configuration.SigningKeyBytes()),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        NameClaimType = TeskiClaims.Subject,
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    private sealed class ConfigureJwtBearer(TeskiConfiguration configuration) : IConfigureNamedOptions<JwtBearerOptions>
    {
        public void Configure(string? name, JwtBearerOptions options)
        {
            if (name != JwtBearerDefaults.AuthenticationScheme)
            {
                return;
            }
            options.MapInboundClaims = false;
            options.TokenValidationParameters = ValidationParameters(configuration);
            options.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    // sub must be a legacy integer id or a UUID; anything else names nobody.
                    if (context.Principal is null || !HttpCurrentUser.TryGetUser(context.Principal, out _))
                    {
                        context.Fail("The token's sub is neither a legacy integer user id nor a UUID.");
                    }
                    return Task.CompletedTask;
                },
            };
        }

        public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);
    }

    /// <summary>The subject of an authenticated principal, for code that has a <see cref="ClaimsPrincipal"/> at hand.</summary>
    public static UserRef? GetUserRef(this ClaimsPrincipal principal) =>
        HttpCurrentUser.TryGetUser(principal, out var user) ? user : null;
}
