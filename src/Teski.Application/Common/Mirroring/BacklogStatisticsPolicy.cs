namespace Teski.Application.Common.Mirroring;

/// <summary>
/// When <see cref="MirrorBackgroundService"/>'s periodic pass has the primary's backlog table re-analyzed
/// (<see cref="Stores.IMirrorBacklog.RefreshStatisticsAsync"/>). PostgreSQL plans the claim over every stream from its
/// statistics of the table, and in normal running those say the pending records are almost none (a few dozen among a
/// day of applied history). When the mirror has been down and the backlog has grown to tens of thousands, that plan
/// reads every pending record once for each record it claims: 20.6 s for one claim of 500 over a 100,000-record
/// backlog, against 8.9 ms once the table was analyzed (docs/benchmarks.md). Autovacuum analyzes the table only after
/// a tenth of it has changed, which for a day of history can be hours of backlog. So the pass refreshes the statistics
/// itself when the backlog it observes is large (<see cref="Floor"/>) and has grown <see cref="Growth"/>-fold since it
/// last did, at most once per <see cref="MinInterval"/>. Several instances may each do it; an extra analyze costs a
/// sample of the table and blocks nothing. Not thread-safe: one periodic pass owns it.
/// </summary>
public sealed class BacklogStatisticsPolicy
{
    /// <summary>Pending records from which a refresh is considered: far above the few dozen of normal running.</summary>
    public const long Floor = 10_000;

    /// <summary>How much larger than at the last refresh the backlog must be to refresh again.</summary>
    public const int Growth = 4;

    /// <summary>Refreshes at most this often.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMinutes(1);

    private long _refreshedAtPending;
    private TimeSpan? _refreshedAt;

    /// <summary>
    /// Whether to refresh now, given the pending records observed and the monotonic time; true records the refresh.
    /// Once the backlog is back under <see cref="Floor"/>, the next one to grow past it refreshes again.
    /// </summary>
    public bool ShouldRefresh(long pending, TimeSpan now)
    {
        if (pending < Floor)
        {
            _refreshedAtPending = 0;
            return false;
        }
        if (_refreshedAtPending > 0 && pending < _refreshedAtPending * Growth)
        {
            return false;
        }
        if (_refreshedAt is { } at && now - at < MinInterval)
        {
            return false;
        }
        (_refreshedAtPending, _refreshedAt) = (pending, now);
        return true;
    }
}
