using NodaTime;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Infrastructure.Operations;
using Teski.Infrastructure.Stores;
using Teski.Infrastructure.V2;
using Migration = Teski.Infrastructure.Migration;

namespace Teski.Api.Cli;

/// <summary>The operator verbs against the configured stores. Progress goes to stderr, the summary to stdout.</summary>
internal sealed class OperatorVerbs(
    CliConsole console,
    StoreLocations locations,
    StoreInitializer initializer,
    V2StoreMigrator migrator,
    MigrationFlags flags,
    IServiceScopeFactory scopes,
    OperationsLog operations,
    StoreBackup backups,
    IClock clock) : IOperatorVerbs
{
    /// <summary><c>db migrate</c>: v2 tables created or upgraded (a previous-stack database adopted); legacy tables never altered.</summary>
    public async Task<int> MigrateAsync(MigrateOptions options, CancellationToken cancellationToken)
    {
        await console.Error.WriteLineAsync($"legacy store {locations.Legacy}: checking support tables");
        await initializer.InitializeLegacyAsync(cancellationToken);
        await console.Error.WriteLineAsync($"v2 store {locations.V2}: migrating");
        try
        {
            var report = await migrator.MigrateAsync(locations.V2, cancellationToken);
            await console.Out.WriteLineAsync($"v2 store: {locations.V2}");
            await console.Out.WriteLineAsync($"adopted previous-stack database: {(report.Adopted ? "yes" : "no")}");
            await console.Out.WriteLineAsync($"migrations applied: {(report.MigrationsApplied.Count == 0 ? "none (up to date)" : string.Join(", ", report.MigrationsApplied))}");
            await console.Out.WriteLineAsync($"tables: {string.Join(", ", report.TablesPresent)}");
            return CliExitCodes.Success;
        }
        catch (V2StoreMigrationException ex)
        {
            await console.Error.WriteLineAsync($"db migrate refused: {ex.Message}");
            return CliExitCodes.ProblemFound;
        }
    }

    /// <summary><c>rollout status</c>: the flags, the stage they amount to, each store's mirror backlog, the last verify and backup.</summary>
    public async Task<int> RolloutStatusAsync(RolloutStatusOptions options, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var report = await scope.ServiceProvider.GetRequiredService<RolloutStatusReader>().ReadAsync(cancellationToken);
        await console.Out.WriteLineAsync($"TESKI_MEMORY_V2_ENABLED={Bool(report.V2Enabled)} TESKI_DUAL_WRITE={Bool(report.DualWrite)}");
        await console.Out.WriteLineAsync($"stage: {report.Stage} (primary {report.Primary}, mirror {report.Mirror ?? "none"})");
        foreach (var b in report.Backlogs)
        {
            await console.Out.WriteLineAsync(b.Error is not null
                ? $"{b.Store} backlog: unreachable ({b.Error})"
                : $"{b.Store} backlog: {b.Pending} pending, oldest {(b.OldestAgeSeconds is { } a ? $"{a:0.#} s" : "-")}, {b.Retrying} retrying");
        }
        await console.Out.WriteLineAsync("last verify: " + Describe(report.LastVerify, withPath: false));
        await console.Out.WriteLineAsync("last backup: " + Describe(report.LastBackup, withPath: true));
        if (report.LegacyDropped is { Ok: true } dropped)
        {
            await console.Out.WriteLineAsync("legacy tables dropped: " + Describe(dropped, withPath: false));
        }
        return report.AllReachable ? CliExitCodes.Success : CliExitCodes.ProblemFound;
    }

    /// <summary>
    /// <c>db backup --out DIR [--verify]</c>: both stores copied consistently (SQLite online backup, <c>pg_dump</c>) with a
    /// manifest of row counts; <c>--verify</c> restores the copy into a scratch location and compares the counts.
    /// The result is recorded in the operations log (the drop-legacy guard needs it).
    /// </summary>
    public async Task<int> BackupAsync(BackupOptions options, CancellationToken cancellationToken)
    {
        var stage = MigrationFlags.StageName(flags.Stage);
        BackupManifest manifest;
        try
        {
            manifest = await backups.BackupAsync(options.OutDirectory, console.Error, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            await console.Error.WriteLineAsync($"db backup failed: {ex.Message}");
            await RecordAsync(new OperationRecord(OperationKinds.Backup, clock.GetCurrentInstant(), false, stage, "failed: " + ex.Message, options.OutDirectory), cancellationToken);
            return CliExitCodes.ProblemFound;
        }
        await console.Out.WriteLineAsync($"backup: {options.OutDirectory}");
        foreach (var (name, entry) in new[] { ("legacy", manifest.Legacy), ("v2", manifest.V2) })
        {
            await console.Out.WriteLineAsync($"{name}: {entry.Source} -> {entry.File} ({entry.Tables.Count} tables, {entry.Tables.Values.Sum()} rows)");
        }
        var ok = true;
        var summary = "not verified";
        if (options.Verify)
        {
            var problems = await backups.VerifyAsync(options.OutDirectory, console.Error, cancellationToken);
            ok = problems.Count == 0;
            summary = ok ? "verified: restored copy matches the manifest" : $"verify failed: {problems.Count} problem(s)";
            foreach (var problem in problems)
            {
                await console.Out.WriteLineAsync("verify: " + problem);
            }
            await console.Out.WriteLineAsync(ok ? "verify: restored copy matches the manifest" : "verify: FAILED");
        }
        await RecordAsync(new OperationRecord(OperationKinds.Backup, clock.GetCurrentInstant(), ok, stage, summary, options.OutDirectory), cancellationToken);
        return ok ? CliExitCodes.Success : CliExitCodes.ProblemFound;
    }

    /// <summary>
    /// <c>db drop-legacy --confirm</c>: plan step 8. Refuses (exit 1, one line per failed guard, naming it) unless v2 reads
    /// are on, dual-write is off, both backlogs are empty, the last verify passed and a backup newer than it exists.
    /// Drops <see cref="LegacyDrop.DroppedTables"/> in one transaction.
    /// </summary>
    public async Task<int> DropLegacyAsync(DropLegacyOptions options, CancellationToken cancellationToken)
    {
        if (!options.Confirm)
        {
            await console.Error.WriteLineAsync("db drop-legacy refuses to run without --confirm");
            return CliExitCodes.Usage;
        }
        IReadOnlyList<BacklogReading> backlogs;
        await using (var scope = scopes.CreateAsyncScope())
        {
            backlogs = await scope.ServiceProvider.GetRequiredService<RolloutStatusReader>().ReadBacklogsAsync(cancellationToken);
        }
        var guards = LegacyDrop.Check(
            flags,
            backlogs,
            await operations.LatestAsync(OperationKinds.Verify, cancellationToken),
            await operations.LatestAsync(OperationKinds.Backup, cancellationToken));
        var failed = guards.Where(g => !g.Passed).ToList();
        if (failed.Count > 0)
        {
            foreach (var guard in failed)
            {
                await console.Out.WriteLineAsync($"refused: {guard.Name}: {guard.Detail}");
            }
            return CliExitCodes.ProblemFound;
        }
        foreach (var guard in guards)
        {
            await console.Error.WriteLineAsync($"ok: {guard.Name}: {guard.Detail}");
        }
        var dropped = await LegacyDrop.DropAsync(locations.Legacy, cancellationToken);
        var summary = dropped.Count == 0 ? "nothing to drop (already dropped)" : "dropped " + string.Join(", ", dropped);
        await RecordAsync(new OperationRecord(OperationKinds.DropLegacy, clock.GetCurrentInstant(), true, MigrationFlags.StageName(flags.Stage), summary, null), cancellationToken);
        await console.Out.WriteLineAsync($"legacy store {StoreBackup.Redact(locations.Legacy)}: {summary}");
        await console.Out.WriteLineAsync("kept: user, personas, leaderboard tables, task/reminder, task templates/instances/attempts, analytics_events, support tables");
        return CliExitCodes.Success;
    }

    /// <summary><c>backfill</c>: legacy → v2 per migration-rules.md; progress bar on a terminal, the per-entity report at the end.</summary>
    public async Task<int> BackfillAsync(BackfillOptions options, CancellationToken cancellationToken)
    {
        var legacy = options.Legacy ?? locations.Legacy;
        var target = options.Target ?? locations.V2;
        if (!options.DryRun)
        {
            // The target must have the v2 tables (and the checkpoint/link tables) before anything is written.
            await migrator.MigrateAsync(target, cancellationToken);
        }
        await console.Error.WriteLineAsync($"backfill {legacy} -> {target}{(options.DryRun ? " (dry run: nothing is written)" : "")}");
        var progress = new Migration.ConsoleProgressRenderer(console.Error);
        try
        {
            var report = await new Migration.BackfillEngine().RunAsync(new Migration.BackfillOptions
            {
                LegacyUrl = legacy,
                TargetUrl = target,
                DryRun = options.DryRun,
                BatchSize = options.BatchSize,
                Only = options.Only is { Count: > 0 } only ? Migration.BackfillEntities.Parse(string.Join(',', only)) : null,
                Clock = clock,
            }, progress, cancellationToken);
            progress.Complete();
            await console.Out.WriteLineAsync(report.ToTable());
            return report.ExitCode;
        }
        catch (Migration.BackfillPrerequisiteException ex)
        {
            progress.Complete();
            await console.Error.WriteLineAsync($"backfill refused: {ex.Message}");
            return CliExitCodes.Usage;
        }
    }

    /// <summary><c>verify</c>: counts and content checksums per entity through the maps; exit 1 on an unexplained difference.</summary>
    public async Task<int> VerifyAsync(VerifyOptions options, CancellationToken cancellationToken)
    {
        await console.Error.WriteLineAsync($"verify {locations.Legacy} <-> {locations.V2}");
        var report = await new Migration.VerifyEngine().RunAsync(new Migration.VerifyOptions
        {
            LegacyUrl = locations.Legacy,
            TargetUrl = locations.V2,
            Clock = clock,
        }, cancellationToken);
        await console.Out.WriteLineAsync(options.Json ? report.ToJson() : report.ToTable());
        // The drop-legacy guard needs the last result. In stage "v2 only" the legacy store no longer receives writes,
        // so a difference there is expected and says nothing about v2's completeness: such a run is not recorded.
        if (flags.Stage == RolloutStage.V2Only)
        {
            await console.Error.WriteLineAsync("verify: not recorded (stage v2 only: the legacy store no longer receives writes)");
        }
        else
        {
            var passed = report.ExitCode == CliExitCodes.Success;
            await RecordAsync(new OperationRecord(OperationKinds.Verify, clock.GetCurrentInstant(), passed, MigrationFlags.StageName(flags.Stage),
                passed ? "passed" : "unexplained differences", null), cancellationToken);
        }
        return report.ExitCode;
    }

    private async Task RecordAsync(OperationRecord record, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var failure in await operations.RecordAsync(record, cancellationToken))
            {
                await console.Error.WriteLineAsync($"operations log: not recorded in the {failure}");
            }
        }
        catch (InvalidOperationException ex)
        {
            await console.Error.WriteLineAsync($"operations log: {ex.Message}");
        }
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Describe(OperationView? op, bool withPath) => op is null
        ? "none recorded"
        : $"{(op.Ok ? "ok" : "FAILED")} at {op.At} (stage {op.Stage}): {op.Summary}{(withPath && op.Path is not null ? " — " + op.Path : "")}";

}
