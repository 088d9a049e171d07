using Teski.Application.Common.Settings;

namespace Teski.Api.Configuration;

public static class ConfigurationServices
{
    /// <summary>
    /// Registers <see cref="TeskiConfiguration"/> and its parts (<see cref="MigrationFlags"/>, <see cref="V2RuleSettings"/>,
    /// <see cref="LegacyRuleSettings"/>) as singletons, parsed on first use from <see cref="IConfiguration"/> in DI.
    /// Used by both the web host and the operator verbs.
    /// </summary>
    public static IServiceCollection AddTeskiConfiguration(this IServiceCollection services)
    {
        services.AddSingleton(sp => TeskiConfiguration.Load(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(sp => sp.GetRequiredService<TeskiConfiguration>().Flags);
        services.AddSingleton(sp => sp.GetRequiredService<TeskiConfiguration>().V2Rules);
        services.AddSingleton(sp => sp.GetRequiredService<TeskiConfiguration>().LegacyRules);
        services.AddSingleton(TimeProvider.System);
        return services;
    }
}
