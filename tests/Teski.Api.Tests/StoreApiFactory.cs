using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Testing;
using Teski.Api.Auth;
using Teski.Api.Configuration;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.Stores;
using Teski.Testing;

namespace Teski.Api.Tests;

/// <summary>
/// The real service (real endpoints, no test endpoints) over real stores: SQLite files in a temp dir or fresh
/// PostgreSQL databases. The web host runs its startup tasks only in <c>TeskiWebHost.RunAsync</c>, which
/// WebApplicationFactory never calls, so <see cref="CreateAsync"/> initialises the stores itself before any request.
/// The application clock is a <see cref="FakeClock"/> starting at the real current time (tokens use the real time).
/// </summary>
public sealed class StoreApiFactory : WebApplicationFactory<Program>
{
    public const string SecretKey = ApiFactory.SecretKey;

    private readonly TempDir? _dir;
    private readonly Dictionary<string, string?> _settings;

    private StoreApiFactory(DatabaseUrl legacy, DatabaseUrl v2, TempDir? dir, IReadOnlyDictionary<string, string?>? settings)
    {
        LegacyUrl = legacy;
        V2Url = v2;
        _dir = dir;
        _settings = new Dictionary<string, string?>
        {
            ["SECRET_KEY"] = SecretKey,
            ["TESKI_LEGACY_DB_URL"] = legacy.Provider == DatabaseProvider.Sqlite ? "sqlite:///" + dir!.File("app.db") : legacy.ConnectionString,
            ["TESKI_ASYNC_DB_URL"] = v2.Provider == DatabaseProvider.Sqlite ? "sqlite:///" + dir!.File("teski_v2.db") : v2.ConnectionString,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public DatabaseUrl LegacyUrl { get; }

    public DatabaseUrl V2Url { get; }

    public FakeClock Clock { get; } = new(SystemClock.Instance.GetCurrentInstant());

    /// <summary>The stage's flags as settings (<c>TESKI_MEMORY_V2_ENABLED</c>, <c>TESKI_DUAL_WRITE</c>).</summary>
    public static Dictionary<string, string?> Flags(bool v2Enabled, bool dualWrite) => new()
    {
        ["TESKI_MEMORY_V2_ENABLED"] = v2Enabled ? "true" : "false",
        ["TESKI_DUAL_WRITE"] = dualWrite ? "true" : "false",
    };

    /// <summary>Fresh stores, the host built, and the stores initialised (as the startup task does).</summary>
    public static async Task<StoreApiFactory> CreateAsync(IReadOnlyDictionary<string, string?>? settings = null, DatabaseProvider provider = DatabaseProvider.Sqlite)
    {
        TempDir? dir = null;
        DatabaseUrl legacy, v2;
        if (provider == DatabaseProvider.Sqlite)
        {
            dir = new TempDir();
            legacy = DatabaseUrl.Parse("TESKI_LEGACY_DB_URL", "sqlite:///" + dir.File("app.db"));
            v2 = DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", "sqlite:///" + dir.File("teski_v2.db"));
        }
        else
        {
            legacy = new DatabaseUrl(DatabaseProvider.Postgres, await PostgresServer.Instance.CreateDatabaseAsync("legacy"));
            v2 = new DatabaseUrl(DatabaseProvider.Postgres, await PostgresServer.Instance.CreateDatabaseAsync("v2"));
        }
        var factory = new StoreApiFactory(legacy, v2, dir, settings);
        await factory.Services.GetRequiredService<StoreInitializer>().InitializeAsync(CancellationToken.None);
        return factory;
    }

    public TeskiConfiguration Configuration => TeskiConfiguration.Load(new ConfigurationBuilder().AddInMemoryCollection(_settings).Build());

    public string Token(string sub) => DevTokens.Create(Configuration, UserRef.Parse(sub), DateTimeOffset.UtcNow);

    public HttpClient ClientFor(string sub)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(sub));
        return client;
    }

    /// <summary>Runs SQL against one store directly; parameters are <c>@p0</c>, <c>@p1</c>, …</summary>
    public async Task<object?> ScalarAsync(StoreKind kind, string sql, params object?[] args)
    {
        await using var conn = StoreHarness.Open(kind == StoreKind.Legacy ? LegacyUrl : V2Url);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        for (var i = 0; i < args.Length; i++)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@p" + i;
            p.Value = args[i] ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        var result = await cmd.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }

    public async Task<long> CountAsync(StoreKind kind, string sql, params object?[] args) =>
        Convert.ToInt64(await ScalarAsync(kind, sql, args), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Polls a count until it is at least <paramref name="atLeast"/> (mirror copies may be applied by the background loop).</summary>
    public async Task<long> WaitForCountAsync(StoreKind kind, string sql, long atLeast, params object?[] args)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var count = await CountAsync(kind, sql, args);
            if (count >= atLeast || DateTime.UtcNow > deadline)
            {
                return count;
            }
            await Task.Delay(100);
        }
    }

    /// <summary>A legacy <c>user</c> row (and, optionally, its v2 UUID as <c>external_user_id</c>).</summary>
    public Task InsertLegacyUserAsync(long id, Guid? externalId = null) => ScalarAsync(StoreKind.Legacy,
        "INSERT INTO \"user\" (id, external_user_id, email, display_name, hashed_password, role, created_at, onboarded, onboarded_at) " +
        "VALUES (@p0, @p1, @p2, NULL, '', 'STUDENT', @p3, @p4, NULL)",
        id, externalId?.ToString("D"), $"u{id}@example.test", LegacyUrl.Provider == DatabaseProvider.Sqlite ? "2025-01-01 00:00:00.000000" : new DateTime(2025, 1, 1), LegacyUrl.Provider == DatabaseProvider.Sqlite ? 0 : false);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services => services.AddSingleton<IClock>(Clock));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir?.Dispose();
    }
}

/// <summary>One initialised service per test class; tests isolate themselves by using fresh users.</summary>
public abstract class StoreApiFixture(IReadOnlyDictionary<string, string?> settings) : IAsyncLifetime
{
    public StoreApiFactory Api { get; private set; } = null!;

    public async Task InitializeAsync() => Api = await StoreApiFactory.CreateAsync(settings);

    public async Task DisposeAsync() => await Api.DisposeAsync();
}

/// <summary>Stage "dual-write, v2 primary" (steps 6–7).</summary>
public sealed class V2DualWriteFixture() : StoreApiFixture(StoreApiFactory.Flags(v2Enabled: true, dualWrite: true));

/// <summary>Stage "legacy only" (the defaults).</summary>
public sealed class LegacyOnlyFixture() : StoreApiFixture(StoreApiFactory.Flags(v2Enabled: false, dualWrite: false));
