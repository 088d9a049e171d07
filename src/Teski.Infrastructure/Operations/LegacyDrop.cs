using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Infrastructure.Legacy;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Operations;

/// <summary>One precondition of <c>db drop-legacy</c>; <see cref="Name"/> is what the refusal prints.</summary>
public sealed record DropGuard(string Name, bool Passed, string Detail);

/// <summary>What a store's backlog looked like when the guards were checked (null status: the store did not answer).</summary>
public sealed record BacklogReading(StoreKind Store, BacklogStatus? Status, string? Error);

/// <summary>
/// Plan step 8: drop the legacy memory tables, once nothing can need them any more.
/// <para>
/// Dropped: the four tables migration-plan.md lists as superseded by v2 ("Memory / Practice"): <c>mistake_logs</c>
/// (→ <c>mistake</c>), <c>memory_stats</c> (→ <c>memoryitem</c>/<c>reviewlog</c> metrics), <c>resurface_plans</c> and
/// <c>review_cards</c> (→ <c>memoryitem</c> + <c>reviewlog</c>). Nothing the service runs in stage "v2 only" reads them.
/// </para>
/// <para>
/// Kept: <c>user</c> (the leaderboard's members and <c>legacy_user_map</c>'s other side), <c>personas</c> ("Remains;
/// still required"), the leaderboard module (<c>leaderboard</c>, <c>leaderboardmember</c>, <c>pointsevent</c>,
/// <c>weeklyscore</c>: "stays a separate module"), <c>task</c> and <c>reminder</c> (no v2 home yet: "TBD"), the practice
/// content and history <c>task_templates</c>/<c>task_instances</c>/<c>task_attempts</c> (exercise definitions the clients
/// render; v2 has no counterpart), <c>analytics_events</c> (the plan keeps analytics "via logging"), and this project's
/// own support tables.
/// </para>
/// </summary>
public static class LegacyDrop
{
    public static IReadOnlyList<string> DroppedTables { get; } = ["mistake_logs", "memory_stats", "resurface_plans", "review_cards"];

    public const string V2ReadsOn = "v2_reads_on";
    public const string DualWriteOff = "dual_write_off";
    public const string MirrorBacklogEmpty = "mirror_backlog_empty";
    public const string VerifyPassed = "verify_passed";
    public const string BackupExists = "backup_exists";

    /// <summary>
    /// The five guards, in the order the contract names them. The backup must have succeeded, still be on disk
    /// (its manifest), and be newer than the last verify: a backup taken before the data was last proven complete is
    /// not the copy to fall back to.
    /// </summary>
    public static IReadOnlyList<DropGuard> Check(MigrationFlags flags, IReadOnlyList<BacklogReading> backlogs, OperationRecord? lastVerify, OperationRecord? lastBackup)
    {
        var guards = new List<DropGuard>
        {
            new(V2ReadsOn, flags.V2Enabled, flags.V2Enabled ? "TESKI_MEMORY_V2_ENABLED is on" : "TESKI_MEMORY_V2_ENABLED is off: reads still come from the legacy store"),
            new(DualWriteOff, !flags.DualWrite, flags.DualWrite ? "TESKI_DUAL_WRITE is on: writes are still mirrored to the legacy store" : "TESKI_DUAL_WRITE is off"),
        };

        var backlogProblems = backlogs
            .Where(b => b.Status is null || b.Status.Pending > 0)
            .Select(b => b.Status is null
                ? $"{Name(b.Store)} backlog unreadable ({b.Error})"
                : $"{Name(b.Store)} backlog holds {b.Status.Pending} record(s) not yet mirrored")
            .ToList();
        guards.Add(new(MirrorBacklogEmpty, backlogProblems.Count == 0, backlogProblems.Count == 0 ? "both mirror backlogs are empty" : string.Join("; ", backlogProblems)));

        guards.Add(lastVerify switch
        {
            null => new(VerifyPassed, false, "no verify has been recorded (run `verify` while dual-write is on)"),
            { Ok: false } v => new(VerifyPassed, false, $"the last verify ({v.At}, stage {v.Stage}) failed: {v.Summary}"),
            var v => new(VerifyPassed, true, $"the last verify ({v.At}, stage {v.Stage}) passed"),
        });

        guards.Add(lastBackup switch
        {
            null => new(BackupExists, false, "no backup has been recorded (run `db backup --out DIR --verify`)"),
            { Ok: false } b => new(BackupExists, false, $"the last backup ({b.At}, {b.Path}) failed: {b.Summary}"),
            var b when b.Path is null || !File.Exists(Path.Combine(b.Path, BackupManifest.FileName)) =>
                new(BackupExists, false, $"the last backup ({b.At}) is no longer at {b.Path}"),
            var b when lastVerify is not null && b.At < lastVerify.At =>
                new(BackupExists, false, $"the last backup ({b.At}) is older than the last verify ({lastVerify.At}); take a new one"),
            var b => new(BackupExists, true, $"backup of {b.At} at {b.Path} ({b.Summary})"),
        });
        return guards;
    }

    /// <summary>Drops <see cref="DroppedTables"/> in one transaction; returns the tables that existed and were dropped.</summary>
    public static async Task<IReadOnlyList<string>> DropAsync(DatabaseUrl legacy, CancellationToken ct)
    {
        await using var conn = await LegacySchema.OpenAsync(legacy, ct);
        var existing = await LegacySchema.ExistingTablesAsync(conn, legacy.Provider, ct);
        var dropped = DroppedTables.Where(existing.Contains).ToList();
        await using var tx = await conn.BeginTransactionAsync(ct);
        foreach (var table in dropped)
        {
            await using var cmd = conn.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = $"DROP TABLE {StoreTables.Quote(table)}";
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return dropped;
    }

    private static string Name(StoreKind kind) => kind == StoreKind.Legacy ? "legacy" : "v2";
}
