using NodaTime;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
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

    /// <summary><c>rollout status</c>: the flags, the stage they amount to, and each store's mirror backlog.</summary>
    public async Task<int> RolloutStatusAsync(RolloutStatusOptions options, CancellationToken cancellationToken)
    {
        await console.Out.WriteLineAsync($"TESKI_MEMORY_V2_ENABLED={flags.V2Enabled.ToString().ToLowerInvariant()} TESKI_DUAL_WRITE={flags.DualWrite.ToString().ToLowerInvariant()}");
        await console.Out.WriteLineAsync($"stage: {MigrationFlags.StageName(flags.Stage)} (primary {flags.Primary.ToString().ToLowerInvariant()}, mirror {flags.Mirror?.ToString().ToLowerInvariant() ?? "none"})");
        await using var scope = scopes.CreateAsyncScope();
        var router = scope.ServiceProvider.GetRequiredService<IStoreRouter>();
        var problem = false;
        foreach (var kind in new[] { StoreKind.Legacy, StoreKind.V2 })
        {
            try
            {
                var status = await router.Get(kind).Backlog.StatusAsync(clock.GetCurrentInstant(), cancellationToken);
                var age = status.OldestAge is { } a ? $"{a.TotalSeconds:0.#} s" : "-";
                await console.Out.WriteLineAsync($"{kind.ToString().ToLowerInvariant()} backlog: {status.Pending} pending, oldest {age}, {status.Failing} retrying");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                problem = true;
                await console.Out.WriteLineAsync($"{kind.ToString().ToLowerInvariant()} backlog: unreachable ({ex.GetType().Name}: {ex.Message})");
            }
        }
        return problem ? CliExitCodes.ProblemFound : CliExitCodes.Success;
    }

    public Task<int> BackupAsync(BackupOptions options, CancellationToken cancellationToken) => NotYet("db backup");

    public Task<int> DropLegacyAsync(DropLegacyOptions options, CancellationToken cancellationToken) => NotYet("db drop-legacy");

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
        return report.ExitCode;
    }

    private async Task<int> NotYet(string verb)
    {
        await console.Error.WriteLineAsync($"{verb}: not implemented yet");
        return CliExitCodes.Usage;
    }
}
