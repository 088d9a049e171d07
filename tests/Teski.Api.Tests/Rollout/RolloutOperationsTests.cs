using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using NodaTime;
using Teski.Infrastructure.Operations;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.Stores;
using Teski.Testing;

namespace Teski.Api.Tests.Rollout;

/// <summary>The operator verbs' guards, the backup check, the admin endpoint and shadow-read mismatch detection, on SQLite stores.</summary>
public sealed class RolloutOperationsTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly RolloutStores _stores;

    public RolloutOperationsTests() => _stores = new RolloutStores("sqlite:///" + _dir.File("app.db"), "sqlite:///" + _dir.File("teski_v2.db"));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Drop_legacy_refuses_for_each_guard_by_name_and_then_drops_only_the_memory_tables()
    {
        (await _stores.CliAsync(false, false, "db", "migrate")).ExitCode.Should().Be(0);

        var legacyOnly = await DropAsync(v2: false, dual: false);
        legacyOnly.ExitCode.Should().Be(1);
        Refusals(legacyOnly).Should().BeEquivalentTo(["v2_reads_on", "verify_passed", "backup_exists"]);

        var dualWrite = await DropAsync(v2: true, dual: true);
        Refusals(dualWrite).Should().BeEquivalentTo(["dual_write_off", "verify_passed", "backup_exists"]);

        await ExecAsync(_stores.LegacyUrl,
            "INSERT INTO teski_mirror_backlog (id, stream, kind, payload, created_at, attempts, next_attempt_at) " +
            "VALUES ('0123456789abcdef0123456789abcdef', 'l:1', 'XpFact', '{}', '2025-01-15 10:00:00.000000', 0, '2099-01-01 00:00:00.000000')");
        var backlog = await DropAsync(v2: true, dual: false);
        Refusals(backlog).Should().BeEquivalentTo(["mirror_backlog_empty", "verify_passed", "backup_exists"]);
        backlog.Out.Should().Contain("legacy backlog holds 1 record(s)");
        await ExecAsync(_stores.LegacyUrl, "UPDATE teski_mirror_backlog SET applied_at = '2025-01-15 10:00:01.000000'");

        // A legacy user the backfill has not carried yet: verify finds it and records the failure.
        await ExecAsync(_stores.LegacyUrl,
            "INSERT INTO \"user\" (id, external_user_id, email, display_name, hashed_password, role, created_at, onboarded) " +
            "VALUES (7, NULL, 'seven@example.test', 'Seven', 'x', 'STUDENT', '2025-01-15 10:00:00.000000', 0)");
        (await _stores.CliAsync(false, true, "verify")).ExitCode.Should().Be(1);
        var failedVerify = await DropAsync(v2: true, dual: false);
        Refusals(failedVerify).Should().BeEquivalentTo(["verify_passed", "backup_exists"]);
        failedVerify.Out.Should().Contain("failed");

        (await _stores.CliAsync(false, true, "backfill")).ExitCode.Should().Be(0);
        var verify = await _stores.CliAsync(false, true, "verify");
        verify.ExitCode.Should().Be(0, verify.ToString());
        Refusals(await DropAsync(v2: true, dual: false)).Should().BeEquivalentTo(["backup_exists"]);

        // A backup older than the last verify is not the one to fall back to.
        var oldBackup = Path.Combine(_dir.Path, "backup-old");
        (await _stores.CliAsync(true, false, "db", "backup", "--out", oldBackup)).ExitCode.Should().Be(0);
        (await _stores.CliAsync(false, true, "verify")).ExitCode.Should().Be(0);
        var stale = await DropAsync(v2: true, dual: false);
        Refusals(stale).Should().BeEquivalentTo(["backup_exists"]);
        stale.Out.Should().Contain("older than the last verify");

        var backupDir = Path.Combine(_dir.Path, "backup");
        var backup = await _stores.CliAsync(true, false, "db", "backup", "--out", backupDir, "--verify");
        backup.ExitCode.Should().Be(0, backup.ToString());
        backup.Out.Should().Contain("verify: restored copy matches the manifest");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(backupDir, "manifest.json")))!;
        manifest["legacy"]!["tables"]!["user"]!.GetValue<long>().Should().Be(1);
        manifest["v2"]!["source"]!.GetValue<string>().Should().StartWith("sqlite:///");
        manifest["created_at"].Should().NotBeNull();

        var drop = await DropAsync(v2: true, dual: false);
        drop.ExitCode.Should().Be(0, drop.ToString());
        var tables = await TablesAsync(_stores.LegacyUrl);
        tables.Should().NotContain(LegacyDrop.DroppedTables);
        tables.Should().Contain(["user", "personas", "leaderboard", "leaderboardmember", "pointsevent", "weeklyscore", "task", "task_templates", "analytics_events", "teski_mirror_backlog"]);

        var status = await _stores.CliAsync(true, false, "rollout", "status");
        status.ExitCode.Should().Be(0, status.ToString());
        status.Out.Should().Contain("stage: v2 only").And.Contain("last verify: ok").And.Contain("last backup: ok").And.Contain(backupDir).And.Contain("legacy tables dropped");

        // The service still starts and serves in stage v2 only without the dropped tables.
        await using var host = new RolloutHost(_stores, v2Enabled: true, dualWrite: false, new CountingShadowMetrics());
        using var client = host.ClientFor("7");
        using var logged = await client.PostAsJsonAsync("/api/v1/memory/log/v1", new { template_code = "after-drop", error_type = "concept" });
        logged.StatusCode.Should().Be(HttpStatusCode.OK, await logged.Content.ReadAsStringAsync());
        (await client.GetAsync("/api/v1/personas/")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Backup_verify_reports_a_copy_that_does_not_match_its_manifest()
    {
        (await _stores.CliAsync(false, false, "db", "migrate")).ExitCode.Should().Be(0);
        var backupDir = Path.Combine(_dir.Path, "backup");
        (await _stores.CliAsync(false, false, "db", "backup", "--out", backupDir)).ExitCode.Should().Be(0);
        var path = Path.Combine(backupDir, "manifest.json");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        manifest["legacy"]!["tables"]!["personas"] = 999;
        await File.WriteAllTextAsync(path, manifest.ToJsonString());

        var locations = new StoreLocations(DatabaseUrl.Parse("l", _stores.LegacyUrl), DatabaseUrl.Parse("v", _stores.V2Url));
        var problems = await new StoreBackup(locations, SystemClock.Instance).VerifyAsync(backupDir, TextWriter.Null, CancellationToken.None);
        problems.Should().ContainSingle().Which.Should().Contain("legacy.personas").And.Contain("manifest 999");
    }

    [Fact]
    public async Task Admin_rollout_status_needs_an_admin_token()
    {
        await using var host = new RolloutHost(_stores, v2Enabled: false, dualWrite: true, new CountingShadowMetrics());
        using var anonymous = host.CreateClient();
        (await anonymous.GetAsync("/admin/rollout")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var user = host.ClientFor("1");
        (await user.GetAsync("/admin/rollout")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var admin = host.ClientFor("1", admin: true);
        var status = JsonDocument.Parse(await admin.GetStringAsync("/admin/rollout")).RootElement;
        status.GetProperty("stage").GetString().Should().Be("dual-write, legacy primary");
        status.GetProperty("mirror").GetString().Should().Be("v2");
        status.GetProperty("backlogs").GetArrayLength().Should().Be(2);
        status.GetProperty("last_verify").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_shadow_read_that_differs_is_counted_and_the_primary_answer_is_returned()
    {
        var metrics = new CountingShadowMetrics();
        await using (var host = new RolloutHost(_stores, v2Enabled: false, dualWrite: true, metrics))
        {
            using var client = host.ClientFor("1");
            (await client.GetAsync("/api/v1/personas/")).StatusCode.Should().Be(HttpStatusCode.OK);
            await host.ShadowReadsIdleAsync();
            metrics.ComparedCount.Should().Be(1);
            metrics.Mismatches.Should().Be(0);

            await ExecAsync(_stores.LegacyUrl, "UPDATE personas SET display_name = 'Renamed in legacy' WHERE id = (SELECT MIN(id) FROM personas)");
            var body = await client.GetStringAsync("/api/v1/personas/");
            body.Should().Contain("Renamed in legacy");
            await host.ShadowReadsIdleAsync();
            metrics.Mismatches.Should().Be(1);
        }

        // No mirror (stage legacy only): nothing is shadowed, whatever the fraction.
        var none = new CountingShadowMetrics();
        await using (var host = new RolloutHost(_stores, v2Enabled: false, dualWrite: false, none))
        {
            using var client = host.ClientFor("1");
            (await client.GetAsync("/api/v1/personas/")).StatusCode.Should().Be(HttpStatusCode.OK);
            await host.ShadowReadsIdleAsync();
            none.ComparedCount.Should().Be(0);
        }
    }

    private Task<CliRun> DropAsync(bool v2, bool dual) => _stores.CliAsync(v2, dual, "db", "drop-legacy", "--confirm");

    private static List<string> Refusals(CliRun run) =>
        run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("refused: ", StringComparison.Ordinal))
            .Select(l => l["refused: ".Length..].Split(':')[0])
            .ToList();

    private static SqliteConnection Open(string url) =>
        new(new SqliteConnectionStringBuilder { DataSource = DatabaseUrl.Parse("x", url).SqlitePath, Pooling = false }.ConnectionString);

    private static async Task ExecAsync(string url, string sql)
    {
        await using var conn = Open(url);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> TablesAsync(string url)
    {
        await using var conn = Open(url);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        var names = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }
}
