using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using NodaTime;
using Npgsql;

namespace Teski.Infrastructure.Persistence;

/// <summary>
/// The claim's compare-and-set for a batch of stream heads on PostgreSQL, shared by both stores' outboxes (the same
/// <c>teski_mirror_backlog</c> table in each): one statement instead of one per record. A head is taken only while it
/// is still unapplied and due, so of several claimers (workers, instances) racing for it exactly one moves
/// <c>next_attempt_at</c> to its lease's end: READ COMMITTED re-checks the row after the winner commits, and it no longer
/// matches. RETURNING names the rows this claimer won (two claimers may compute the same lease end, so the lease value
/// cannot tell them apart).
/// </summary>
internal static class MirrorBacklogClaim
{
    public static Task<List<Guid>> OnPostgresAsync(DatabaseFacade database, IReadOnlyCollection<Guid> heads, Instant now, Instant until, CancellationToken ct) =>
        database.SqlQueryRaw<Guid>(
            "UPDATE teski_mirror_backlog SET next_attempt_at = @until, attempts = attempts + 1 " +
            "WHERE id = ANY(@ids) AND applied_at IS NULL AND next_attempt_at <= @now RETURNING id AS \"Value\"",
            new NpgsqlParameter("until", until), new NpgsqlParameter("ids", heads.ToArray()), new NpgsqlParameter("now", now))
            .ToListAsync(ct);
}
