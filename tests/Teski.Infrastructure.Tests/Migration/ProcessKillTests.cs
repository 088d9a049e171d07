using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Teski.Infrastructure.Migration;
using Teski.Infrastructure.Persistence;
using Teski.Testing;
using Teski.Testing.Migration;

namespace Teski.Infrastructure.Tests.Migration;

/// <summary>
/// The backfill as operators run it (<c>dotnet Teski.Api.dll backfill</c>) killed for real in the middle of an entity,
/// then re-run: the result must equal an uninterrupted run into another fresh database.
/// </summary>
public sealed class ProcessKillTests
{
    private static readonly string[] V2Tables =
    [
        "user", "legacy_user_map", "task", "legacy_task_map", "legacy_task_detail", "mistake", "memoryitem", "reviewlog",
        "xpevent", "analyticsevent", "personastate", "legacy_row_link",
    ];

    [Fact]
    public async Task Backfill_killed_mid_entity_then_rerun_ends_where_an_uninterrupted_run_ends()
    {
        var clock = Stopwatch.StartNew();
        using var dir = new TempDir();
        var legacyPath = dir.File("app.db");
        // Big enough that batches of 200 take a few seconds in total, so the kill lands inside `mistakes`.
        await LegacyGenerator.GenerateAsync(legacyPath, new LegacyGenOptions(Users: 1500, Mistakes: 20_000, Tasks: 6000, Points: 6000, Seed: 11));
        var legacy = "Data Source=" + legacyPath + ";Pooling=false";
        var killedDb = await PostgresServer.Instance.CreateDatabaseAsync("kill");
        var cleanDb = await PostgresServer.Instance.CreateDatabaseAsync("clean");

        // 1. Start the real CLI and kill its process tree once the mistakes checkpoint shows committed batches but no completion.
        var killedAt = -1L;
        using (var victim = TeskiCliProcess.Start(["backfill", "--batch-size", "200"], Env(legacy, killedDb)))
        {
            await using var watch = new NpgsqlConnection(killedDb);
            await watch.OpenAsync();
            var deadline = Stopwatch.StartNew();
            while (killedAt < 0)
            {
                victim.HasExited.Should().BeFalse($"the backfill must still be running when the kill comes (exit {(victim.HasExited ? victim.ExitCode : 0)}): {victim.Error}");
                deadline.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), "the mistakes step should have started: " + victim.Error);
                if (await MistakesProgressAsync(watch) is { Completed: false, Done: >= 2000 } p)
                {
                    await victim.KillAsync();
                    killedAt = p.Done;
                }
                else
                {
                    await Task.Delay(15);
                }
            }
            var after = await MistakesProgressAsync(watch);
            after.Should().NotBeNull();
            after!.Value.Completed.Should().BeFalse("the process died inside the mistakes step");
            (await CountAsync(watch, "mistake")).Should().BeGreaterThan(0).And.BeLessThan(20_000);
            (await CountAsync(watch, "memoryitem")).Should().Be(0, "later entities never started");
        }

        // 2. Re-run to completion: it resumes after the last committed batch.
        using (var rerun = TeskiCliProcess.Start(["backfill", "--batch-size", "200"], Env(legacy, killedDb)))
        {
            var code = await rerun.WaitAsync(TimeSpan.FromMinutes(2));
            code.Should().Be(0, rerun.Error);
            rerun.Output.Should().Contain("mistakes: resumed after key");
        }

        // 3. An uninterrupted run into another fresh database.
        using (var clean = TeskiCliProcess.Start(["backfill"], Env(legacy, cleanDb)))
        {
            (await clean.WaitAsync(TimeSpan.FromMinutes(2))).Should().Be(0, clean.Error);
        }

        // Same rows per v2 table, same lapses, same verify checksums; verify passes on both.
        await using (var a = new NpgsqlConnection(killedDb))
        await using (var b = new NpgsqlConnection(cleanDb))
        {
            await a.OpenAsync();
            await b.OpenAsync();
            foreach (var table in V2Tables)
            {
                (await CountAsync(a, table)).Should().Be(await CountAsync(b, table), table);
            }
            (await CountAsync(a, "mistake")).Should().BeGreaterThan(killedAt);
            (await ScalarAsync(a, "SELECT coalesce(sum(lapses), 0) FROM memoryitem")).Should().Be(await ScalarAsync(b, "SELECT coalesce(sum(lapses), 0) FROM memoryitem"));
            (await ScalarAsync(a, "SELECT count(*) FROM migration_checkpoint WHERE completed")).Should().Be(BackfillEntities.InOrder.Count);
        }
        var legacyUrl = DatabaseUrl.Parse("TESKI_LEGACY_DB_URL", legacy);
        var killed = await new VerifyEngine().RunAsync(new VerifyOptions { LegacyUrl = legacyUrl, TargetUrl = DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", killedDb) }, default);
        var uninterrupted = await new VerifyEngine().RunAsync(new VerifyOptions { LegacyUrl = legacyUrl, TargetUrl = DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", cleanDb) }, default);
        killed.Passed.Should().BeTrue(killed.ToTable());
        uninterrupted.Passed.Should().BeTrue(uninterrupted.ToTable());
        killed.Entities.Select(e => (e.Entity, e.V2Count, e.V2Checksum)).Should().Equal(uninterrupted.Entities.Select(e => (e.Entity, e.V2Count, e.V2Checksum)));
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(120), "the test is meant to stay short (~30 s on an idle machine)");
    }

    private static Dictionary<string, string> Env(string legacy, string target) => new()
    {
        ["TESKI_LEGACY_DB_URL"] = legacy,
        ["TESKI_ASYNC_DB_URL"] = target,
        ["ENV"] = "development",
    };

    private static async Task<(long Done, bool Completed)?> MistakesProgressAsync(NpgsqlConnection conn)
    {
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT rows_done, completed FROM migration_checkpoint WHERE entity = 'mistakes'", conn);
            await using var r = await cmd.ExecuteReaderAsync();
            return await r.ReadAsync() ? (r.GetInt64(0), r.GetBoolean(1)) : null;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // The CLI has not migrated the target yet.
            return null;
        }
    }

    private static async Task<long> CountAsync(NpgsqlConnection conn, string table) =>
        Convert.ToInt64(await ScalarAsync(conn, $"SELECT count(*) FROM \"{table}\""), CultureInfo.InvariantCulture);

    private static async Task<object?> ScalarAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }
}
