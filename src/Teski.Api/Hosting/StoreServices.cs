using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;
using Teski.Api.Auth;
using Teski.Api.Configuration;
using Teski.Api.Health;
using Teski.Api.Metrics;
using Teski.Application;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.ShadowReads;
using Teski.Application.Common.Stores;
using Teski.Infrastructure;
using Teski.Infrastructure.Operations;
using Teski.Infrastructure.Stores;
using Teski.Infrastructure.V2;

namespace Teski.Api.Hosting;

/// <summary>The use cases and the two stores, wired for the host (HTTP and CLI alike).</summary>
public static class StoreServices
{
    public static IServiceCollection AddTeskiStores(this IServiceCollection services, IConfiguration configuration)
    {
        // Parsed here, at composition time, because the EF context factories need the store URLs; a malformed
        // value fails startup with a message naming the variable (the CLI maps it to exit code 2).
        var config = TeskiConfiguration.Load(configuration);
        services.TryAddSingleton<IClock>(SystemClock.Instance);
        services.AddApplicationServices();
        services.AddInfrastructureServices(config.LegacyDatabase, config.V2Database);
        services.AddSingleton<IMirrorMetrics, PrometheusMirrorMetrics>();
        services.AddTransient<IStartupTask, InitializeStores>();
        services.AddSingleton<IReadinessProbe, StoresReadinessProbe>();
        services.Replace(ServiceDescriptor.Scoped<IUserRefEquivalence, StoreUserRefEquivalence>());
        // Shadow reads: in a shadow scope the mirror answers as primary (Application/Common/ShadowReads).
        services.Replace(ServiceDescriptor.Scoped<IStoreRouter>(sp =>
            MirrorAsPrimaryRouter.For(sp.GetRequiredService<ShadowReadScope>(), ActivatorUtilities.CreateInstance<StoreRouter>(sp))));
        services.Replace(ServiceDescriptor.Singleton(sp => new ShadowReadSettings(sp.GetRequiredService<TeskiConfiguration>().ShadowReadFraction)));
        services.Replace(ServiceDescriptor.Singleton(sp => new MirrorRetention(Duration.FromHours(sp.GetRequiredService<TeskiConfiguration>().MirrorRetentionHours))));
        services.Replace(ServiceDescriptor.Singleton<IShadowReadMetrics, PrometheusShadowReadMetrics>());
        // Rollout operations: the operations log (last verify, backups, the drop), backup, status.
        services.TryAddSingleton<OperationsLog>();
        services.TryAddSingleton<StoreBackup>();
        services.TryAddScoped<RolloutStatusReader>();
        return services;
    }
}

/// <summary>Creates/upgrades both stores before the service listens (product-contract.md, "Running it").</summary>
internal sealed class InitializeStores(StoreInitializer initializer) : IStartupTask
{
    public string Name => "initialize stores";

    public Task RunAsync(CancellationToken cancellationToken) => initializer.InitializeAsync(cancellationToken);
}

/// <summary>Ready when both stores answer and the v2 migrations are applied.</summary>
internal sealed class StoresReadinessProbe(StoreLocations locations, V2StoreMigrator migrator, IServiceScopeFactory scopes) : IReadinessProbe
{
    public string Name => "stores";

    public async Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!await migrator.IsUpToDateAsync(locations.V2, cancellationToken))
            {
                return ReadinessResult.NotReady("v2 store has pending migrations (run `db migrate`)");
            }
            await using var scope = scopes.CreateAsyncScope();
            var legacy = scope.ServiceProvider.GetRequiredService<IStoreRouter>().Get(StoreKind.Legacy);
            await legacy.Personas.ListDefinitionsAsync(cancellationToken);
            return ReadinessResult.IsReady;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ReadinessResult.NotReady("a store is unreachable: " + ex.GetType().Name);
        }
    }
}

/// <summary>A legacy id and a v2 UUID name the same person when <c>legacy_user_map</c> (or the legacy external id) says so.</summary>
internal sealed class StoreUserRefEquivalence(IStoreRouter stores, IClock clock) : IUserRefEquivalence
{
    public async Task<bool> AreSamePersonAsync(UserRef a, UserRef b, CancellationToken cancellationToken)
    {
        if (a == b)
        {
            return true;
        }
        foreach (var store in new[] { stores.Primary, stores.Mirror })
        {
            if (store is null)
            {
                continue;
            }
            var known = await store.Users.ResolveAsync(a, null, create: false, clock.GetCurrentInstant(), cancellationToken);
            if (known is not null && ((b.LegacyId is { } l && known.LegacyId == l) || (b.V2Id is { } v && known.V2Id == v)))
            {
                return true;
            }
        }
        return false;
    }
}
