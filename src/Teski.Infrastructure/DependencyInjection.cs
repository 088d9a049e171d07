using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Infrastructure.Legacy;
using Teski.Infrastructure.Legacy.Store;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.Stores;
using Teski.Infrastructure.V2;
using Teski.Infrastructure.V2.Store;

namespace Teski.Infrastructure;

public static class DependencyInjection
{
    /// <summary>Both stores (EF contexts + port implementations), the router that picks primary and mirror from the flags, and store set-up.</summary>
    public static IServiceCollection AddInfrastructureServices(this IServiceCollection services, DatabaseUrl legacy, DatabaseUrl v2)
    {
        services.TryAddSingleton<IClock>(SystemClock.Instance);
        services.AddSingleton(new StoreLocations(legacy, v2));
        services.AddLegacyStore(legacy);
        services.AddV2Store(v2);
        services.AddLegacyStoreAdapters();
        services.AddV2StoreAdapters();
        services.AddScoped<IStoreRouter, StoreRouter>();
        services.AddSingleton<StoreInitializer>();
        return services;
    }
}
