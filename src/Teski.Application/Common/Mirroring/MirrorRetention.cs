using NodaTime;

namespace Teski.Application.Common.Mirroring;

/// <summary>
/// How long an outbox keeps a record once it is applied (<c>TESKI_MIRROR_RETENTION_HOURS</c>): the audit of what was
/// mirrored, for a while. Older applied records are deleted by <see cref="MirrorBackgroundService"/>'s periodic pass,
/// so the table follows the write rate times the retention instead of growing for as long as the service runs.
/// Pending records are never pruned, whatever their age. The mirror's ledger (<c>teski_mirror_applied</c>, one small
/// row per record in the other store) is what stops a record whose mark failed from being applied twice: an entry goes
/// once it is older than the same cutoff and its record is no longer pending in the other store's backlog (so can
/// never be claimed again); an entry whose record is still pending stays, whatever its age.
/// </summary>
public sealed record MirrorRetention(Duration Keep)
{
    public static readonly Duration DefaultKeep = Duration.FromHours(24);

    /// <summary>How often the periodic pass prunes (measured on the monotonic clock).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Records deleted per statement (one short transaction each, about 30 ms on PostgreSQL). Small on purpose: a probe
    /// that pruned 5,000 at a time under a full dual-write load stalled the mirror for about two seconds
    /// (docs/benchmarks.md).
    /// </summary>
    public const int Chunk = 1_000;

    /// <summary>
    /// Statements per store per pass at most (20,000 records a minute), so a long history left from before the prune
    /// existed is worked off over many passes instead of in one burst. In steady state a pass deletes one minute's
    /// worth of records.
    /// </summary>
    public const int MaxChunks = 20;
}
