using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Teski.Application.Common.Mirroring;
using Teski.Infrastructure.Legacy;
using Teski.Infrastructure.Legacy.Store;
using Teski.Infrastructure.Persistence;
using Teski.Testing.Legacy;
using TheStore = Teski.Infrastructure.Legacy.Store.LegacyStore;

namespace Teski.Infrastructure.Tests.LegacyStore;

/// <summary>A legacy fixture database (SQLite file or fresh PostgreSQL database) with the adapters registered as in the app.</summary>
public sealed class LegacyStoreHarness : IAsyncDisposable
{
    private LegacyStoreHarness(LegacyFixtureDb db)
    {
        Db = db;
        var services = new ServiceCollection();
        services.AddSingleton<IDbContextFactory<LegacyDbContext>>(new Factory(db));
        services.AddLegacyStoreAdapters();
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    public LegacyFixtureDb Db { get; }

    public ServiceProvider Services { get; }

    public static async Task<LegacyStoreHarness> CreateAsync(DatabaseProvider provider, bool withErrorSubtype = true) =>
        new(await LegacyFixtureDb.CreateAsync(provider, withErrorSubtype));

    /// <summary>A plain context for asserting rows behind the store's back.</summary>
    public LegacyDbContext NewContext() => Db.NewContext();

    /// <summary>Runs <paramref name="work"/> with the store of a new DI scope (port calls outside an explicit transaction).</summary>
    public async Task<T> WithStoreAsync<T>(Func<TheStore, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TheStore>());
    }

    public async Task<T> WithLeaderboardAsync<T>(Func<LegacyLeaderboard, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<LegacyLeaderboard>());
    }

    /// <summary>What the dual-write behaviour does: one scope, BeginAsync, the work, commit; retried on a conflict.</summary>
    public async Task<T> InTransactionWithRetryAsync<T>(Func<TheStore, Task<T>> work, int maxAttempts = 50)
    {
        await using var scope = Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<TheStore>();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var tx = await store.BeginAsync(CancellationToken.None);
                var result = await work(store);
                await tx.CommitAsync(CancellationToken.None);
                return result;
            }
            catch (StoreConflictException) when (attempt < maxAttempts)
            {
                await Task.Delay(Random.Shared.Next(2, 20));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Db.DisposeAsync();
    }

    private sealed class Factory(LegacyFixtureDb db) : IDbContextFactory<LegacyDbContext>
    {
        public LegacyDbContext CreateDbContext() => db.NewContext();
    }
}
