using Teski.Infrastructure.Persistence;

namespace Teski.Api.Cli;

/// <summary>
/// The operator verbs behind the CLI (product-contract.md, "Running it"). Each returns the process exit code:
/// 0 success, 1 the check found a problem, 2 bad usage or configuration. Write progress to
/// <see cref="CliConsole.Error"/> and the summary to <see cref="CliConsole.Out"/> (both injectable).
/// Replace the default by registering an implementation in <see cref="CliServices.AddTeskiOperatorVerbs"/>.
/// </summary>
public interface IOperatorVerbs
{
    /// <summary><c>db migrate</c>.</summary>
    Task<int> MigrateAsync(MigrateOptions options, CancellationToken cancellationToken);

    /// <summary><c>db backup --out DIR [--verify]</c>.</summary>
    Task<int> BackupAsync(BackupOptions options, CancellationToken cancellationToken);

    /// <summary><c>db drop-legacy --confirm</c> (the CLI refuses with 2 before calling this when --confirm is absent).</summary>
    Task<int> DropLegacyAsync(DropLegacyOptions options, CancellationToken cancellationToken);

    /// <summary><c>backfill</c>.</summary>
    Task<int> BackfillAsync(BackfillOptions options, CancellationToken cancellationToken);

    /// <summary><c>verify [--json]</c>.</summary>
    Task<int> VerifyAsync(VerifyOptions options, CancellationToken cancellationToken);

    /// <summary><c>rollout status</c>.</summary>
    Task<int> RolloutStatusAsync(RolloutStatusOptions options, CancellationToken cancellationToken);
}

public sealed record MigrateOptions;

/// <param name="OutDirectory">Absolute path of <c>--out</c>.</param>
public sealed record BackupOptions(string OutDirectory, bool Verify);

public sealed record DropLegacyOptions(bool Confirm);

/// <param name="Only">The entities of <c>--only</c> in the order given (a subset of <see cref="Entities"/>), or null for all.</param>
/// <param name="Legacy"><c>--legacy</c>, or null for <c>TESKI_LEGACY_DB_URL</c>.</param>
/// <param name="Target"><c>--target</c>, or null for <c>TESKI_ASYNC_DB_URL</c>.</param>
public sealed record BackfillOptions(bool DryRun, int BatchSize, IReadOnlyList<string>? Only, DatabaseUrl? Legacy, DatabaseUrl? Target)
{
    public const int DefaultBatchSize = 5000;

    /// <summary>The entities <c>--only</c> accepts, in backfill order.</summary>
    public static readonly IReadOnlyList<string> Entities = ["users", "tasks", "mistakes", "memory", "reviews", "xp", "analytics", "personas"];
}

public sealed record VerifyOptions(bool Json);

public sealed record RolloutStatusOptions;

/// <summary>The CLI's two streams: <see cref="Out"/> for the summary (scripts parse it), <see cref="Error"/> for progress and errors.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error);

public static class CliExitCodes
{
    public const int Success = 0;
    public const int ProblemFound = 1;
    public const int Usage = 2;
}
