using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Teski.Api.Cli;

namespace Teski.Api.Tests;

public sealed class CliTests
{
    private sealed record Run(int ExitCode, string Out, string Error);

    private static async Task<Run> RunAsync(string[] args, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?> { ["SECRET_KEY"] = ApiFactory.SecretKey }).Build();
        var code = await TeskiCli.RunAsync(args, output, error, configuration, services);
        return new Run(code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("serve", "--help")]
    [InlineData("db", "migrate", "--help")]
    [InlineData("db", "backup", "--help")]
    [InlineData("db", "drop-legacy", "--help")]
    [InlineData("backfill", "--help")]
    [InlineData("verify", "--help")]
    [InlineData("rollout", "status", "--help")]
    [InlineData("dev", "token", "--help")]
    public async Task Every_verb_has_help(params string[] args)
    {
        var run = await RunAsync(args);
        run.ExitCode.Should().Be(0, run.Error);
        run.Out.Should().Contain("Usage:");
    }

    [Theory]
    [InlineData("db", "migrate", "--bogus")]
    [InlineData("verify", "--jsn")]
    [InlineData("frobnicate")]
    [InlineData("db")]
    [InlineData("db", "backup")]
    [InlineData("backfill", "--batch-size", "0")]
    [InlineData("backfill", "--batch-size", "many")]
    [InlineData("backfill", "--only", "users,unicorns")]
    [InlineData("backfill", "--legacy", "mysql://x/y")]
    [InlineData("dev", "token")]
    [InlineData("dev", "token", "--user", "alice")]
    [InlineData("db", "drop-legacy")]
    [InlineData("--bogus")]
    public async Task Bad_usage_exits_2(params string[] args)
    {
        var run = await RunAsync(args);
        run.ExitCode.Should().Be(2);
        run.Error.Should().NotBeEmpty();
    }

    [Fact]
    public async Task Db_migrate_then_backfill_then_verify_against_fresh_sqlite_stores()
    {
        using var dir = new Teski.Testing.TempDir();
        var settings = new Dictionary<string, string?>
        {
            ["SECRET_KEY"] = ApiFactory.SecretKey,
            ["TESKI_ASYNC_DB_URL"] = "sqlite:///" + dir.File("teski_v2.db"),
            ["TESKI_LEGACY_DB_URL"] = "sqlite:///" + dir.File("app.db"),
        };

        var migrate = await RunAsync(["db", "migrate"], settings);
        migrate.ExitCode.Should().Be(0, migrate.Error);
        migrate.Out.Should().Contain("migrations applied: ").And.Contain("TeskiAdditions");
        (await RunAsync(["db", "migrate"], settings)).Out.Should().Contain("none (up to date)");

        var backfill = await RunAsync(["backfill"], settings);
        backfill.ExitCode.Should().Be(0, backfill.Error);
        backfill.Out.Should().Contain("users");

        var verify = await RunAsync(["verify", "--json"], settings);
        verify.ExitCode.Should().Be(0, verify.Out);
        System.Text.Json.JsonDocument.Parse(verify.Out).RootElement.GetProperty("passed").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Backfill_options_reach_the_operator_verbs()
    {
        var verbs = new RecordingVerbs();
        var run = await RunAsync(["backfill", "--dry-run", "--batch-size", "50", "--only", "users, Memory", "--target", "postgresql://u:p@h:5432/teski"],
            services: s => s.AddSingleton<IOperatorVerbs>(verbs));
        run.ExitCode.Should().Be(0, run.Error);
        verbs.Backfill.Should().NotBeNull();
        verbs.Backfill!.DryRun.Should().BeTrue();
        verbs.Backfill.BatchSize.Should().Be(50);
        verbs.Backfill.Only.Should().Equal("users", "memory");
        verbs.Backfill.Legacy.Should().BeNull();
        verbs.Backfill.Target!.Provider.Should().Be(Teski.Infrastructure.Persistence.DatabaseProvider.Postgres);

        (await RunAsync(["db", "backup", "--out", "bk", "--verify"], services: s => s.AddSingleton<IOperatorVerbs>(verbs))).ExitCode.Should().Be(0);
        verbs.Backup.Should().Be(new BackupOptions(Path.GetFullPath("bk"), true));
    }

    [Fact]
    public async Task Malformed_configuration_exits_2_naming_the_variable()
    {
        var run = await RunAsync(["rollout", "status"], new Dictionary<string, string?> { ["DAILY_REVIEW_CAP"] = "lots" });
        run.ExitCode.Should().Be(2);
        run.Error.Trim().Split('\n').Should().ContainSingle().Which.Should().Contain("DAILY_REVIEW_CAP");
    }

    [Fact]
    public async Task Dev_token_prints_a_token_the_api_accepts()
    {
        var run = await RunAsync(["dev", "token", "--user", "42"]);
        run.ExitCode.Should().Be(0, run.Error);
        using var api = new ApiFactory();
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", run.Out.Trim());
        var response = await client.GetAsync("/api/v1/test/whoami");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.JsonAsync()).GetProperty("sub").GetString().Should().Be("42");
    }

    [Fact]
    public async Task Dev_token_is_refused_in_production()
    {
        var run = await RunAsync(["dev", "token", "--user", "42"], new Dictionary<string, string?> { ["ENV"] = "production", ["SECRET_KEY"] = new string('k', 40) });
        run.ExitCode.Should().Be(2);
        run.Out.Should().BeEmpty();
        run.Error.Should().Contain("production");
    }

    private sealed class RecordingVerbs : IOperatorVerbs
    {
        public BackfillOptions? Backfill { get; private set; }

        public BackupOptions? Backup { get; private set; }

        public Task<int> MigrateAsync(MigrateOptions options, CancellationToken cancellationToken) => Task.FromResult(0);

        public Task<int> BackupAsync(BackupOptions options, CancellationToken cancellationToken)
        {
            Backup = options;
            return Task.FromResult(0);
        }

        public Task<int> DropLegacyAsync(DropLegacyOptions options, CancellationToken cancellationToken) => Task.FromResult(0);

        public Task<int> BackfillAsync(BackfillOptions options, CancellationToken cancellationToken)
        {
            Backfill = options;
            return Task.FromResult(0);
        }

        public Task<int> VerifyAsync(VerifyOptions options, CancellationToken cancellationToken) => Task.FromResult(0);

        public Task<int> RolloutStatusAsync(RolloutStatusOptions options, CancellationToken cancellationToken) => Task.FromResult(0);
    }
}
