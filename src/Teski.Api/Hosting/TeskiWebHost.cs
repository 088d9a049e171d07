using Prometheus;
using Teski.Api.Auth;
using Teski.Api.Configuration;
using Teski.Api.Endpoints;
using Teski.Api.Errors;
using Teski.Api.Health;
using Teski.Api.Metrics;
using Teski.Api.OpenApi;

namespace Teski.Api.Hosting;

/// <summary>The composition root of the HTTP API: services, pipeline, endpoints — in that order, one line per concern.</summary>
public static class TeskiWebHost
{
    public const string DefaultUrl = "http://localhost:5000";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddShippedSettings();
        builder.Services.AddTeskiConfiguration();
        builder.Services.AddTeskiApi();
        builder.Services.AddTeskiStores(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = RequestBodyLimit.MaxBytes);
        if (!HasConfiguredUrls(builder.Configuration))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var app = builder.Build();
        app.UseTeskiPipeline();
        app.MapTeskiEndpoints();
        return app;
    }

    public static IServiceCollection AddTeskiApi(this IServiceCollection services)
    {
        services.AddTeskiErrorHandling();
        services.AddTeskiAuth();
        services.AddTeskiCors();
        services.AddTeskiHealth();
        services.AddTeskiOpenApi();
        services.AddTeskiRequestConcurrency();
        services.AddTransient<IStartupTask, EnsureDataDirectories>();
        return services;
    }

    public static WebApplication UseTeskiPipeline(this WebApplication app)
    {
        app.UseTeskiRequestLogging();
        app.UseTeskiErrorHandling();
        app.UseRouting();
        app.UseCors();
        app.UseHttpMetrics();
        app.UseV2FamilyGate();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    public static WebApplication MapTeskiEndpoints(this WebApplication app)
    {
        TeskiMetrics.EnsureRegistered();
        app.MapTeskiHealth();
        app.MapMetrics("/metrics");
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapEndpointModules();
        return app;
    }

    /// <summary>Parses configuration, runs the startup tasks, and serves until shutdown.</summary>
    public static async Task RunAsync(WebApplication app, CancellationToken cancellationToken)
    {
        var configuration = app.Services.GetRequiredService<TeskiConfiguration>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Teski.Api");
        if (configuration.UsesDevelopmentKey)
        {
            logger.LogWarning("SECRET_KEY is not set: using the built-in development key. Tokens signed with it are not secret.");
        }
        logger.LogInformation("Stage: {Stage}; v2 store {V2}; legacy store {Legacy}",
            Application.Common.Settings.MigrationFlags.StageName(configuration.Flags.Stage), configuration.V2Database, configuration.LegacyDatabase);
        await app.Services.RunStartupTasksAsync(logger, cancellationToken);
        await app.RunAsync();
    }

    private static bool HasConfiguredUrls(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration[WebHostDefaults.ServerUrlsKey])
        || !string.IsNullOrEmpty(configuration["HTTP_PORTS"])
        || !string.IsNullOrEmpty(configuration["HTTPS_PORTS"])
        || !string.IsNullOrEmpty(configuration["Kestrel:Endpoints"])
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
}
