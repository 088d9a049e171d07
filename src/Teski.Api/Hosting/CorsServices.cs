using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using Teski.Api.Configuration;

namespace Teski.Api.Hosting;

/// <summary>The browser clients' origins (<c>TESKI_CORS_ORIGINS</c>); preflights are answered by the middleware, before authentication.</summary>
public static class CorsServices
{
    public static IServiceCollection AddTeskiCors(this IServiceCollection services)
    {
        services.AddCors();
        services.AddSingleton<IConfigureOptions<CorsOptions>>(sp => new ConfigureNamedOptions<CorsOptions>(Options.DefaultName, options =>
        {
            var origins = sp.GetRequiredService<TeskiConfiguration>().CorsOrigins;
            options.AddDefaultPolicy(policy => policy
                .WithOrigins([.. origins])
                .AllowCredentials()
                .AllowAnyMethod()
                .AllowAnyHeader()
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10)));
        }));
        return services;
    }
}
