using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Teski.Api.Configuration;
using Teski.Application.Common.Identity;

namespace Teski.Api.Auth;

/// <summary>Signs tokens the way the legacy app did (HS256, <c>sub</c> only, plus iat/nbf/exp), for local use.</summary>
public static class DevTokens
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(12);

    public static string Create(TeskiConfiguration configuration, UserRef user, DateTimeOffset now, TimeSpan? lifetime = null)
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim(TeskiClaims.Subject, user.ToString()!)]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + (lifetime ?? DefaultLifetime)).UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(configuration.SigningKeyBytes()), SecurityAlgorithms.HmacSha256),
        });
    }
}
