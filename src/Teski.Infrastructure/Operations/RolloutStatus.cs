using NodaTime;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;

namespace Teski.Infrastructure.Operations;

public sealed record BacklogView(string Store, long? Pending, double? OldestAgeSeconds, long? Retrying, string? Error);

public sealed record OperationView(Instant At, bool Ok, string Stage, string Summary, string? Path)
{
    public static OperationView? Of(OperationRecord? r) => r is null ? null : new(r.At, r.Ok, r.Stage, r.Summary, r.Path);
}

/// <summary>What <c>rollout status</c> prints and <c>GET /admin/rollout</c> returns.</summary>
public sealed record RolloutStatusReport(
    bool V2Enabled,
    bool DualWrite,
    string Stage,
    string Primary,
    string? Mirror,
    IReadOnlyList<BacklogView> Backlogs,
    OperationView? LastVerify,
    OperationView? LastBackup,
    OperationView? LegacyDropped)
{
    public bool AllReachable => Backlogs.All(b => b.Error is null);
}

/// <summary>Reads the rollout status: flags, stage, both backlogs, and the operations log.</summary>
public sealed class RolloutStatusReader(IStoreRouter router, OperationsLog log, IClock clock)
{
    public async Task<RolloutStatusReport> ReadAsync(CancellationToken ct)
    {
        var flags = router.Flags;
        var backlogs = await ReadBacklogsAsync(ct);
        return new RolloutStatusReport(
            flags.V2Enabled,
            flags.DualWrite,
            MigrationFlags.StageName(flags.Stage),
            Name(flags.Primary),
            flags.Mirror is { } m ? Name(m) : null,
            backlogs.Select(b => new BacklogView(Name(b.Store), b.Status?.Pending, b.Status?.OldestAge?.TotalSeconds, b.Status?.Failing, b.Error)).ToList(),
            OperationView.Of(await log.LatestAsync(OperationKinds.Verify, ct)),
            OperationView.Of(await log.LatestAsync(OperationKinds.Backup, ct)),
            OperationView.Of(await log.LatestAsync(OperationKinds.DropLegacy, ct)));
    }

    /// <summary>Each store's own backlog (records waiting to be applied to the other store).</summary>
    public async Task<IReadOnlyList<BacklogReading>> ReadBacklogsAsync(CancellationToken ct)
    {
        var readings = new List<BacklogReading>();
        foreach (var kind in new[] { StoreKind.Legacy, StoreKind.V2 })
        {
            try
            {
                readings.Add(new BacklogReading(kind, await router.Get(kind).Backlog.StatusAsync(clock.GetCurrentInstant(), ct), null));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                readings.Add(new BacklogReading(kind, null, $"{ex.GetType().Name}: {ex.Message}"));
            }
        }
        return readings;
    }

    private static string Name(StoreKind kind) => kind == StoreKind.Legacy ? "legacy" : "v2";
}
