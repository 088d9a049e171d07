using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;

namespace Teski.Infrastructure.V2.Store;

public static class V2StoreAdapterServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="V2Store"/> as the scoped <see cref="IStore"/> keyed <see cref="StoreKind.V2"/>. It needs an
    /// <see cref="IDbContextFactory{V2DbContext}"/> (registered by the v2 store's own setup, <c>AddV2Store</c>); each scope
    /// gets its own context from it.
    /// </summary>
    public static IServiceCollection AddV2StoreAdapters(this IServiceCollection services)
    {
        services.AddScoped<V2Store>();
        services.TryAddSingleton<V2UserZoneHints>();
        services.AddKeyedScoped<IStore>(StoreKind.V2, (sp, _) => sp.GetRequiredService<V2Store>());
        return services;
    }
}
