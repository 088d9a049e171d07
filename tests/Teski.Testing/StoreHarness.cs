using System.Data.Common;
using Mediator;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Testing;
using Npgsql;
using Teski.Application;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Infrastructure;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.Stores;

namespace Teski.Testing;

/// <summary>
/// Both real stores (SQLite files or fresh PostgreSQL databases), initialised as the service does at startup, with
/// the application's mediator pipeline wired for one rollout stage and a fake clock. Requests run in their own DI
/// scope, exactly as an HTTP request would.
/// </summary>
public sealed class StoreHarness : IAsyncDisposable
{
    private readonly TempDir? _dir;

    private StoreHarness(DatabaseUrl legacy, DatabaseUrl v2, TempDir? dir, ServiceProvider services, FakeClock clock, CountingMirrorMetrics metrics)
    {
        LegacyUrl = legacy;
        V2Url = v2;
        _dir = dir;
        Services = services;
        Clock = clock;
        Metrics = metrics;
    }

    public DatabaseUrl LegacyUrl { get; }

    public DatabaseUrl V2Url { get; }

    public ServiceProvider Services { get; }

    public FakeClock Clock { get; }

    public CountingMirrorMetrics Metrics { get; }

    public static readonly Instant DefaultNow = Instant.FromUtc(2025, 6, 2, 9, 0);

    /// <summary>Fresh stores for <paramref name="provider"/>; <see cref="WithStage"/> gives a pipeline for a stage over them.</summary>
    public static async Task<StoreHarness> CreateAsync(DatabaseProvider provider, RolloutStage stage, V2RuleSettings? v2Rules = null)
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
        var harness = Build(legacy, v2, dir, stage, v2Rules ?? new V2RuleSettings(), new FakeClock(DefaultNow));
        await harness.Services.GetRequiredService<StoreInitializer>().InitializeAsync(CancellationToken.None);
        return harness;
    }

    /// <summary>
    /// The same PostgreSQL stores (and clock) under <paramref name="stage"/>, reached as another database role, e.g. one
    /// that owns none of the tables (create it first; the test server trusts any role on loopback).
    /// </summary>
    public StoreHarness AsRole(string role, RolloutStage stage)
    {
        DatabaseUrl As(DatabaseUrl url) =>
            new(url.Provider, new NpgsqlConnectionStringBuilder(url.ConnectionString) { Username = role }.ConnectionString);
        return Build(As(LegacyUrl), As(V2Url), null, stage, Services.GetRequiredService<V2RuleSettings>(), Clock);
    }

    /// <summary>The same stores (and clock) under another stage — a restart with the flags flipped.</summary>
    public StoreHarness WithStage(RolloutStage stage, V2RuleSettings? v2Rules = null) =>
        Build(LegacyUrl, V2Url, null, stage, v2Rules ?? Services.GetRequiredService<V2RuleSettings>(), Clock);

    private static StoreHarness Build(DatabaseUrl legacy, DatabaseUrl v2, TempDir? dir, RolloutStage stage, V2RuleSettings v2Rules, FakeClock clock)
    {
        var metrics = new CountingMirrorMetrics();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IClock>(clock);
        services.AddSingleton(FlagsFor(stage));
        services.AddSingleton(v2Rules);
        services.AddSingleton(new LegacyRuleSettings());
        services.AddSingleton<IMirrorMetrics>(metrics);
        services.AddApplicationServices();
        services.AddInfrastructureServices(legacy, v2);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        return new StoreHarness(legacy, v2, dir, provider, clock, metrics);
    }

    public static MigrationFlags FlagsFor(RolloutStage stage) => stage switch
    {
        RolloutStage.LegacyOnly => new MigrationFlags(false, false),
        RolloutStage.DualWriteLegacyPrimary => new MigrationFlags(false, true),
        RolloutStage.DualWriteV2Primary => new MigrationFlags(true, true),
        RolloutStage.V2Only => new MigrationFlags(true, false),
        _ => throw new ArgumentOutOfRangeException(nameof(stage)),
    };

    /// <summary>Sends a request through the mediator pipeline in its own scope (one "HTTP request").</summary>
    public async Task<T> SendAsync<T>(IRequest<T> request)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    /// <summary>Runs the background dispatcher's work once (all streams, or only <paramref name="streams"/>).</summary>
    public Task<int> DrainAsync(IReadOnlyCollection<string>? streams = null) => Services.GetRequiredService<MirrorDispatcher>().DrainAsync(streams, 10_000, CancellationToken.None);

    public DatabaseUrl Url(StoreKind kind) => kind == StoreKind.Legacy ? LegacyUrl : V2Url;

    /// <summary>
    /// PostgreSQL: the share of the outbox's sampled rows that are pending (<c>applied_at</c> null) as its statistics
    /// record it (<see cref="ScalarAsync"/>: null until the table has been analyzed).
    /// </summary>
    public const string OutboxPendingShareSql =
        "SELECT null_frac FROM pg_stats WHERE tablename = 'teski_mirror_backlog' AND attname = 'applied_at'";

    public async Task<long> CountAsync(StoreKind kind, string table, string? where = null, params object?[] args)
    {
        var quoted = table == "user" ? "\"user\"" : table;
        return Convert.ToInt64(await ScalarAsync(kind, $"SELECT COUNT(*) FROM {quoted}" + (where is null ? "" : " WHERE " + where), args), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs SQL against a store; parameters are <c>@p0</c>, <c>@p1</c>, …</summary>
    public async Task<object?> ScalarAsync(StoreKind kind, string sql, params object?[] args)
    {
        await using var conn = Open(Url(kind));
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

    public static DbConnection Open(DatabaseUrl url) => url.Provider == DatabaseProvider.Sqlite
        ? new SqliteConnection(url.ConnectionString)
        : new NpgsqlConnection(url.ConnectionString);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        foreach (var url in new[] { LegacyUrl, V2Url })
        {
            if (url.Provider == DatabaseProvider.Postgres)
            {
                // Release this test's idle connections now rather than when the pruner gets to them.
                using var conn = new NpgsqlConnection(url.ConnectionString);
                NpgsqlConnection.ClearPool(conn);
            }
        }
        _dir?.Dispose();
    }
}

/// <summary>Counts what the dual-write reports, so tests can assert deferrals and failures.</summary>
public sealed class CountingMirrorMetrics : IMirrorMetrics
{
    private int _applied;
    private int _deferred;
    private int _failed;
    private int _behindInline;

    public int AppliedCount => _applied;

    public int DeferredCount => _deferred;

    public int FailedAttempts => _failed;

    public long LastBacklogDepth { get; private set; }

    public void Applied(int count = 1) => Interlocked.Add(ref _applied, count);

    public void Deferred(int count = 1) => Interlocked.Add(ref _deferred, count);

    public void FailedAttempt() => Interlocked.Increment(ref _failed);

    public int BehindInlineCount => _behindInline;

    public void BehindInline(int count = 1) => Interlocked.Add(ref _behindInline, count);

    public void BacklogObserved(long depth, double oldestAgeSeconds) => LastBacklogDepth = depth;
}
