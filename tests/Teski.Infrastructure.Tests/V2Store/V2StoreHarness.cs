using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Stores;
using Teski.Domain.Persona;
using Teski.Infrastructure.V2;
using Teski.Infrastructure.V2.Store;
using Teski.Testing;

namespace Teski.Infrastructure.Tests.V2Store;

/// <summary>A migrated v2 database (a SQLite file or a fresh PostgreSQL database) with the store registered as in the app.</summary>
public sealed class V2StoreHarness : IAsyncDisposable
{
    private readonly Func<V2DbContext> _newContext;
    private readonly TempDir? _dir;

    private V2StoreHarness(Func<V2DbContext> newContext, TempDir? dir)
    {
        _newContext = newContext;
        _dir = dir;
        var services = new ServiceCollection();
        services.AddSingleton<IDbContextFactory<V2DbContext>>(new Factory(newContext));
        services.AddV2StoreAdapters();
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    public ServiceProvider Services { get; }

    public static async Task<V2StoreHarness> CreateAsync(string provider)
    {
        V2StoreHarness harness;
        if (provider == "sqlite")
        {
            var dir = new TempDir();
            var options = new DbContextOptionsBuilder<SqliteV2DbContext>().UseSqlite($"Data Source={dir.File("teski_v2.db")}").Options;
            harness = new V2StoreHarness(() => new SqliteV2DbContext(options), dir);
        }
        else
        {
            var cs = await PostgresServer.Instance.CreateDatabaseAsync("v2store");
            var options = new DbContextOptionsBuilder<PostgresV2DbContext>().UseNpgsql(cs, o => o.UseNodaTime()).Options;
            harness = new V2StoreHarness(() => new PostgresV2DbContext(options), null);
        }
        await using (var db = harness.NewContext())
        {
            await db.Database.MigrateAsync();
        }
        return harness;
    }

    /// <summary>A plain context for arranging and asserting rows behind the store's back.</summary>
    public V2DbContext NewContext() => _newContext();

    /// <summary>Runs <paramref name="work"/> with a store of a new DI scope (port calls outside an explicit transaction).</summary>
    public async Task<T> WithStoreAsync<T>(Func<Infrastructure.V2.Store.V2Store, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<Infrastructure.V2.Store.V2Store>());
    }

    public Task WithStoreAsync(Func<Infrastructure.V2.Store.V2Store, Task> work) =>
        WithStoreAsync(async s =>
        {
            await work(s);
            return true;
        });

    /// <summary>
    /// A v2 user row written behind the store's back, as a first use creates it (UTC, the default persona), and the
    /// identity a resolve would return: the process has no zone remembered for this user (V2UserZoneHints), as after
    /// a restart or for a user another instance created.
    /// </summary>
    public async Task<UserIdentity> InsertUserAsync(Guid id, NodaTime.Instant createdAt, bool analyticsConsent = true)
    {
        var persona = PersonaKeys.Default.ToWire();
        await using (var db = NewContext())
        {
            db.Users.Add(new V2UserRow { Id = id, CreatedAt = createdAt, Persona = persona, AnalyticsConsent = analyticsConsent });
            await db.SaveChangesAsync();
        }
        return new UserIdentity(null, id, Domain.Users.V2User.DefaultTimezone, analyticsConsent, persona);
    }

    /// <summary>
    /// What the dual-write behaviour does: one scope, BeginAsync, the work, commit; on a conflict the same scope
    /// retries after a short random pause.
    /// </summary>
    public async Task<T> InTransactionWithRetryAsync<T>(Func<Infrastructure.V2.Store.V2Store, Task<T>> work, int maxAttempts = 50)
    {
        await using var scope = Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<Infrastructure.V2.Store.V2Store>();
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
        _dir?.Dispose();
    }

    private sealed class Factory(Func<V2DbContext> create) : IDbContextFactory<V2DbContext>
    {
        public V2DbContext CreateDbContext() => create();
    }
}
