using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Leaderboard;

namespace Teski.Infrastructure.Legacy.Store;

public static class LegacyStoreAdapterServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LegacyStore"/> (scoped) as the <see cref="IStore"/> keyed <see cref="StoreKind.Legacy"/>, which
    /// is how <c>StoreRouter</c> finds it, and <see cref="LegacyLeaderboard"/> as the <see cref="ILeaderboardPort"/>
    /// sharing that scope's store. Needs an <see cref="IDbContextFactory{LegacyDbContext}"/> (<c>AddLegacyStore</c>).
    /// </summary>
    public static IServiceCollection AddLegacyStoreAdapters(this IServiceCollection services)
    {
        services.AddScoped<LegacyStore>();
        services.AddKeyedScoped<IStore>(StoreKind.Legacy, (sp, _) => sp.GetRequiredService<LegacyStore>());
        services.AddScoped<LegacyLeaderboard>();
        services.AddScoped<ILeaderboardPort>(sp => sp.GetRequiredService<LegacyLeaderboard>());
        return services;
    }
}
