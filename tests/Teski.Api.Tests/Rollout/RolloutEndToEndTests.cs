using System.Net;
using System.Text.Json;
using Npgsql;
using Teski.Infrastructure.Operations;
using Teski.Infrastructure.Persistence;
using Teski.Testing;

namespace Teski.Api.Tests.Rollout;

/// <summary>
/// The whole rollout on PostgreSQL with traffic running throughout: legacy only → dual-write (legacy primary) →
/// backfill → verify → v2 primary → rollback to legacy primary → v2 primary → v2 only → backup → drop legacy.
/// </summary>
public sealed class RolloutEndToEndTests
{
    private static readonly long[] Users = [1001, 1002, 1003, 1004];

    [Fact]
    public async Task Rollout_from_legacy_only_to_dropped_legacy_under_traffic()
    {
        var stores = new RolloutStores(
            await PostgresServer.Instance.CreateDatabaseAsync("legacy"),
            await PostgresServer.Instance.CreateDatabaseAsync("v2"));
        var metrics = new CountingShadowMetrics();
        using var backupDir = new TempDir();

        // Stage 1: legacy only. The first start creates the legacy tables (a new database) and the v2 tables.
        var host = new RolloutHost(stores, v2Enabled: false, dualWrite: false, metrics);
        _ = host.Server;
        await SeedLegacyAsync(stores.LegacyUrl);
        var traffic = new Traffic(host, Users);
        using var stop = new CancellationTokenSource();
        var running = traffic.RunAsync(stop.Token);
        var hosts = new List<RolloutHost> { host };

        async Task<RolloutHost> SwitchAsync(bool v2, bool dual)
        {
            var next = new RolloutHost(stores, v2, dual, metrics);
            _ = next.Server; // started (startup tasks run) before it takes traffic
            var old = hosts[^1];
            hosts.Add(next);
            await traffic.SwitchToAsync(next);
            // A rolling restart: the old instance finishes its requests and drains its own backlog before it stops.
            // Only its own: when the primary changes, the next instance's records pile up in the other store while
            // traffic runs, and that backlog need not be empty at any moment.
            if (old.DualWrite)
            {
                await old.WaitForEmptyBacklogAsync(ownOnly: true);
            }
            await old.ShadowReadsIdleAsync();
            await old.DisposeAsync();
            return next;
        }

        async Task VerifyQuietAsync(RolloutHost current, bool v2, bool dual)
        {
            await traffic.PauseAsync();
            await current.WaitForEmptyBacklogAsync();
            var verify = await stores.CliAsync(v2, dual, "verify");
            traffic.Resume();
            verify.ExitCode.Should().Be(0, verify.ToString());
        }

        await Task.Delay(1500);

        // Stage 2: dual-write, legacy primary; backfill while traffic runs; verify.
        host = await SwitchAsync(v2: false, dual: true);
        await Task.Delay(500);
        var backfill = await stores.CliAsync(false, true, "backfill");
        backfill.ExitCode.Should().Be(0, backfill.ToString());
        traffic.BackfillDone = true;
        await Task.Delay(1000);
        await VerifyQuietAsync(host, false, true);

        // Stage 3: dual-write, v2 primary.
        host = await SwitchAsync(v2: true, dual: true);
        await Task.Delay(2000);
        await VerifyQuietAsync(host, true, true);

        // Rollback: back to legacy primary; the legacy store must hold every acknowledged write.
        host = await SwitchAsync(v2: false, dual: true);
        await Task.Delay(1500);
        await traffic.PauseAsync();
        await host.WaitForEmptyBacklogAsync();
        foreach (var user in Users)
        {
            (await ScalarAsync(stores.LegacyUrl, "SELECT COUNT(*) FROM mistake_logs WHERE user_id = @u", user)).Should().Be(traffic.MistakesOf(user), $"legacy holds every mistake of user {user} after the rollback");
            (await ScalarAsync(stores.LegacyUrl, "SELECT COUNT(*) FROM pointsevent WHERE user_id = @u", user)).Should().Be(traffic.AwardsOf(user));
        }
        var rollbackVerify = await stores.CliAsync(false, true, "verify");
        traffic.Resume();
        rollbackVerify.ExitCode.Should().Be(0, rollbackVerify.ToString());

        // Forward again: v2 primary, then v2 only.
        host = await SwitchAsync(v2: true, dual: true);
        await Task.Delay(1500);
        await VerifyQuietAsync(host, true, true);
        host = await SwitchAsync(v2: true, dual: false);
        await Task.Delay(1000);

        // Backup under traffic, verified; then the drop.
        var backup = await stores.CliAsync(true, false, "db", "backup", "--out", backupDir.Path, "--verify");
        backup.ExitCode.Should().Be(0, backup.ToString());
        var drop = await stores.CliAsync(true, false, "db", "drop-legacy", "--confirm");
        drop.ExitCode.Should().Be(0, drop.ToString());
        drop.Out.Should().Contain("dropped mistake_logs, memory_stats, resurface_plans, review_cards");
        await Task.Delay(1000);

        await stop.CancelAsync();
        await running;
        await host.ShadowReadsIdleAsync();

        traffic.Failures.Should().BeEmpty();
        traffic.Requests.Should().BeGreaterThan(100);
        metrics.ComparedCount.Should().BeGreaterThan(0, "persona reads were shadowed in the dual-write stages");
        metrics.Mismatches.Should().Be(0);
        metrics.FailedCount.Should().Be(0);

        // Every acknowledged write is in the final v2 store.
        foreach (var user in Users)
        {
            traffic.MistakesOf(user).Should().BeGreaterThan(0);
            (await ScalarAsync(stores.V2Url, "SELECT COUNT(*) FROM mistake m JOIN legacy_user_map l ON l.user_id = m.user_id WHERE l.legacy_user_id = @u", user))
                .Should().Be(traffic.MistakesOf(user), $"v2 holds every mistake of user {user}");
            (await ScalarAsync(stores.V2Url, "SELECT COUNT(*) FROM reviewlog r JOIN legacy_user_map l ON l.user_id = r.user_id WHERE l.legacy_user_id = @u", user))
                .Should().BeGreaterThanOrEqualTo(traffic.V2ReviewsOf(user), $"v2 holds every review of user {user} made while v2 was written");
        }
        foreach (var xpId in traffic.XpEvents)
        {
            (await ScalarAsync(stores.V2Url, "SELECT COUNT(*) FROM xpevent WHERE id = @u", xpId)).Should().Be(1, $"xp event {xpId} is in v2");
        }
        (await ScalarAsync(stores.LegacyUrl, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('mistake_logs','memory_stats','resurface_plans','review_cards')", 0)).Should().Be(0);
        (await ScalarAsync(stores.LegacyUrl, "SELECT COUNT(*) FROM personas WHERE @u = @u", 0)).Should().BeGreaterThan(0, "personas stay");

        // The status, as the admin endpoint reports it.
        using (var admin = host.ClientFor("1001", admin: true))
        {
            var status = JsonDocument.Parse(await admin.GetStringAsync("/admin/rollout")).RootElement;
            status.GetProperty("stage").GetString().Should().Be("v2 only");
            status.GetProperty("last_verify").GetProperty("ok").GetBoolean().Should().BeTrue();
            status.GetProperty("last_backup").GetProperty("path").GetString().Should().Be(backupDir.Path);
            status.GetProperty("legacy_dropped").GetProperty("ok").GetBoolean().Should().BeTrue();
        }
        await host.DisposeAsync();

        // A restored copy of the backup serves the API.
        var manifest = await BackupManifest.ReadAsync(backupDir.Path, CancellationToken.None);
        var restored = new RolloutStores(
            await PostgresServer.Instance.CreateDatabaseAsync("rlegacy"),
            await PostgresServer.Instance.CreateDatabaseAsync("rv2"));
        await StoreBackup.RestoreAsync(backupDir.Path, manifest.Legacy, DatabaseUrl.Parse("legacy", restored.LegacyUrl), CancellationToken.None);
        await StoreBackup.RestoreAsync(backupDir.Path, manifest.V2, DatabaseUrl.Parse("v2", restored.V2Url), CancellationToken.None);
        (await ScalarAsync(restored.V2Url, "SELECT COUNT(*) FROM mistake WHERE @u = @u", 0)).Should().Be(manifest.V2.Tables["mistake"]);
        await using var restoredHost = new RolloutHost(restored, v2Enabled: true, dualWrite: false, new CountingShadowMetrics());
        using var client = restoredHost.ClientFor("1001");
        using var xp = await client.GetAsync("/api/memory/xp");
        xp.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonDocument.Parse(await xp.Content.ReadAsStringAsync()).RootElement.GetProperty("total_xp").GetInt32().Should().BeGreaterThan(0);
        using var mistake = await client.PostAsync("/api/memory/mistake", System.Net.Http.Json.JsonContent.Create(new { concept = "after-restore" }));
        mistake.StatusCode.Should().Be(HttpStatusCode.OK, await mistake.Content.ReadAsStringAsync());
    }

    private static async Task SeedLegacyAsync(string url)
    {
        await using var conn = new NpgsqlConnection(url);
        await conn.OpenAsync();
        foreach (var id in Users)
        {
            await using var cmd = new NpgsqlCommand(
                "INSERT INTO \"user\" (id, external_user_id, email, display_name, hashed_password, role, created_at, onboarded) " +
                "VALUES (@id, NULL, @email, @name, 'x', 'STUDENT', '2025-01-15 10:00:00', false)", conn);
            cmd.Parameters.AddWithValue("id", (int)id);
            cmd.Parameters.AddWithValue("email", $"u{id}@example.test");
            cmd.Parameters.AddWithValue("name", $"User {id}");
            await cmd.ExecuteNonQueryAsync();
        }
        await using var board = new NpgsqlCommand(
            "INSERT INTO leaderboard (id, name, course_id, join_code, created_at, creator_user_id) VALUES (@id, 'Board', NULL, 'JOIN501', '2025-01-15 10:00:00', 1001)", conn);
        board.Parameters.AddWithValue("id", (int)Traffic.LeaderboardId);
        await board.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string url, string sql, object u)
    {
        await using var conn = new NpgsqlConnection(url);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("u", u is long l ? (int)l : u);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
