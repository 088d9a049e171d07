using Microsoft.Extensions.DependencyInjection.Extensions;
using Teski.Api.Configuration;
using Teski.Api.Hosting;

namespace Teski.Api.Cli;

/// <summary>The service provider of the operator verbs: configuration, logging to stderr, the verbs. No web host.</summary>
public static class CliServices
{
    public static IServiceCollection AddTeskiOperatorVerbs(this IServiceCollection services)
    {
        services.TryAddSingleton<IOperatorVerbs, OperatorVerbs>();
        return services;
    }

    internal static ServiceProvider Build(IConfiguration configuration, CliConsole console, Action<IServiceCollection>? configureServices)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSingleton(console);
        services.AddLogging(logging => logging
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter("Microsoft", LogLevel.Warning)
            .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        services.AddTeskiConfiguration();
        services.AddTeskiStores(configuration);
        configureServices?.Invoke(services);
        services.AddTeskiOperatorVerbs();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>The same sources as the web host: appsettings.json, appsettings.{DOTNET_ENVIRONMENT}.json, environment variables.</summary>
    internal static IConfiguration DefaultConfiguration()
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
        return new ConfigurationBuilder()
            .AddShippedSettings()
            .SetBasePath(Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
    }
}
