using System.Net.Http.Headers;
using System.Security.Claims;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Teski.Api.Auth;
using Teski.Api.Cli;
using Teski.Api.Configuration;
using Teski.Application.Common.Identity;
using Teski.Application.Common.ShadowReads;
using Teski.Application.Common.Settings;
using Teski.Infrastructure.Operations;

namespace Teski.Api.Tests.Rollout;

/// <summary>Two stores and the flags of one stage: the settings a host and the CLI verbs of that stage share.</summary>
public sealed record RolloutStores(string LegacyUrl, string V2Url)
{
    public Dictionary<string, string?> Settings(bool v2Enabled, bool dualWrite, double shadowFraction = 1.0) => new()
    {
        ["SECRET_KEY"] = ApiFactory.SecretKey,
        ["TESKI_LEGACY_DB_URL"] = LegacyUrl,
        ["TESKI_ASYNC_DB_URL"] = V2Url,
        ["TESKI_MEMORY_V2_ENABLED"] = v2Enabled ? "true" : "false",
        ["TESKI_DUAL_WRITE"] = dualWrite ? "true" : "false",
        ["TESKI_SHADOW_READ_FRACTION"] = shadowFraction.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["DAILY_REVIEW_CAP"] = "100000",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public async Task<CliRun> CliAsync(bool v2Enabled, bool dualWrite, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(v2Enabled, dualWrite)).Build();
        var code = await TeskiCli.RunAsync(args, output, error, configuration);
        return new CliRun(code, output.ToString(), error.ToString());
    }
}

public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n{Out}\n{Error}";
}

/// <summary>Counts shadow reads in memory (the Prometheus counters are process-wide and shared by every test).</summary>
public sealed class CountingShadowMetrics : IShadowReadMetrics
{
    private int _compared;
    private int _mismatches;
    private int _failed;

    public int ComparedCount => _compared;

    public int Mismatches => _mismatches;

    public int FailedCount => _failed;

    public void Compared(string request) => Interlocked.Increment(ref _compared);

    public void Mismatch(string request) => Interlocked.Increment(ref _mismatches);

    public void Failed(string request) => Interlocked.Increment(ref _failed);
}

/// <summary>The real service (all endpoints, hosted mirror dispatcher) for one stage over the given stores.</summary>
public sealed class RolloutHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly CountingShadowMetrics _metrics;
    private int _inFlight;

    public RolloutHost(RolloutStores stores, bool v2Enabled, bool dualWrite, CountingShadowMetrics metrics, double shadowFraction = 1.0)
    {
        _settings = stores.Settings(v2Enabled, dualWrite, shadowFraction);
        _metrics = metrics;
        V2Enabled = v2Enabled;
        DualWrite = dualWrite;
    }

    public bool V2Enabled { get; }

    public bool DualWrite { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    public bool Enter() => Interlocked.Increment(ref _inFlight) > 0;

    public void Leave() => Interlocked.Decrement(ref _inFlight);

    public TeskiConfiguration Configuration => TeskiConfiguration.Load(new ConfigurationBuilder().AddInMemoryCollection(_settings).Build());

    public HttpClient ClientFor(string sub, bool admin = false)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(sub, admin));
        return client;
    }

    public string Token(string sub, bool admin)
    {
        var claims = new List<Claim> { new(TeskiClaims.Subject, UserRef.Parse(sub).ToString()!) };
        if (admin)
        {
            claims.Add(new Claim("role", "TESKI_ADMIN"));
        }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Configuration.SigningKeyBytes()), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The store this instance writes first: its backlog (outbox) lives there.</summary>
    public StoreKind Primary => V2Enabled ? StoreKind.V2 : StoreKind.Legacy;

    /// <summary>Records waiting in the mirror backlog of both stores, or of this instance's primary only.</summary>
    public async Task<long> BacklogPendingAsync(bool ownOnly = false)
    {
        await using var scope = Services.CreateAsyncScope();
        var readings = await scope.ServiceProvider.GetRequiredService<RolloutStatusReader>().ReadBacklogsAsync(CancellationToken.None);
        return readings.Where(r => !ownOnly || r.Store == Primary).Sum(r => r.Status?.Pending ?? 1_000_000);
    }

    /// <summary>
    /// Waits until the backlog is empty: both stores' (<paramref name="ownOnly"/> false, for a quiet system), or only
    /// the one this instance writes (true: an instance leaving a rolling restart drains its own outbox, while the
    /// next instance already takes traffic and keeps adding records to the other store's).
    /// </summary>
    public async Task WaitForEmptyBacklogAsync(TimeSpan? timeout = null, bool ownOnly = false)
    {
        // Generous: a request whose immediate mirror overruns its 2 s budget (e.g. while the backfill holds locks) leaves
        // its claimed records leased for MirrorDispatcher.Lease (30 s) before the background dispatcher takes them again.
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        while (await BacklogPendingAsync(ownOnly) > 0)
        {
            if (DateTime.UtcNow > until)
            {
                await using var scope = Services.CreateAsyncScope();
                var readings = await scope.ServiceProvider.GetRequiredService<RolloutStatusReader>().ReadBacklogsAsync(CancellationToken.None);
                throw new TimeoutException("mirror backlog not empty: " + string.Join("; ", readings.Select(r => $"{r.Store}: {r.Status} {r.Error}")) + " " + await LastErrorsAsync());
            }
            await Task.Delay(50);
        }
    }

    private async Task<string> LastErrorsAsync()
    {
        var errors = new List<string>();
        foreach (var url in new[] { _settings["TESKI_LEGACY_DB_URL"]!, _settings["TESKI_ASYNC_DB_URL"]! })
        {
            var parsed = Teski.Infrastructure.Persistence.DatabaseUrl.Parse("x", url);
            await using var conn = await Teski.Infrastructure.Legacy.LegacySchema.OpenAsync(parsed);
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT kind, attempts, stream, next_attempt_at, last_error FROM teski_mirror_backlog WHERE applied_at IS NULL ORDER BY last_error IS NULL, seq LIMIT 6";
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                errors.Add($"{reader.GetValue(0)} x{reader.GetValue(1)} {reader.GetValue(2)} next {reader.GetValue(3)}: {reader.GetValue(4)}");
            }
        }
        return string.Join(" | ", errors);
    }

    public Task ShadowReadsIdleAsync() => Services.GetRequiredService<ShadowReader>().WhenIdleAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services => services.AddSingleton<IShadowReadMetrics>(_metrics));
    }
}
