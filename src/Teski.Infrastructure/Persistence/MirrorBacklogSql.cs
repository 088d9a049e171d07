using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using NodaTime;
using Npgsql;

namespace Teski.Infrastructure.Persistence;

/// <summary>
/// The outbox's batch statements, shared by both stores (the same <c>teski_mirror_backlog</c> and
/// <c>teski_mirror_applied</c> tables in each, <c>uuid</c> and <c>timestamptz</c> on PostgreSQL): one statement per
/// batch on PostgreSQL, where a round trip per record was most of the cost.
/// </summary>
internal static class MirrorBacklogSql
{
    /// <summary>
    /// One outbox record, inserted with a plain statement on the write's connection and transaction (PostgreSQL). Through
    /// EF's change tracker it took 7.7 % of the dual-write service's CPU in a perf profile, most of it preparing the
    /// save's command batch over every entity the request tracks (docs/benchmarks.md); the row is never read back, so
    /// none of that is needed. <c>seq</c> comes from its identity default.
    /// </summary>
    public static Task<int> InsertOnPostgresAsync(
        DatabaseFacade database, Guid id, string stream, string kind, string payload, Instant now, CancellationToken ct) =>
        database.ExecuteSqlRawAsync(
            "INSERT INTO teski_mirror_backlog (id, stream, kind, payload, created_at, attempts, next_attempt_at) " +
            "VALUES (@id, @stream, @kind, @payload, @now, 0, @now)",
            [
                new NpgsqlParameter("id", id),
                new NpgsqlParameter("stream", stream),
                new NpgsqlParameter("kind", kind),
                new NpgsqlParameter("payload", NpgsqlTypes.NpgsqlDbType.Jsonb) { Value = payload },
                new NpgsqlParameter("now", now),
            ],
            ct);

    /// <summary>
    /// The claim's compare-and-set for a batch of stream heads (PostgreSQL). A head is taken only while it is still
    /// unapplied and due, so of several claimers (workers, instances) racing for it exactly one moves
    /// <c>next_attempt_at</c> to its lease's end: READ COMMITTED re-checks the row after the winner commits, and it no
    /// longer matches. RETURNING names the rows this claimer won (two claimers may compute the same lease end, so the
    /// lease value cannot tell them apart).
    /// </summary>
    public static Task<List<Guid>> ClaimOnPostgresAsync(DatabaseFacade database, IReadOnlyCollection<Guid> heads, Instant now, Instant until, CancellationToken ct) =>
        database.SqlQueryRaw<Guid>(
            "UPDATE teski_mirror_backlog SET next_attempt_at = @until, attempts = attempts + 1 " +
            "WHERE id = ANY(@ids) AND applied_at IS NULL AND next_attempt_at <= @now RETURNING id AS \"Value\"",
            new NpgsqlParameter("until", until), new NpgsqlParameter("ids", heads.ToArray()), new NpgsqlParameter("now", now))
            .ToListAsync(ct);

    /// <summary>
    /// A batch's ledger rows in the mirror, inside the applying transaction; returns the ids recorded for the first time.
    /// PostgreSQL: one statement (RETURNING names the rows inserted now; ON CONFLICT skipped the ones applied before).
    /// SQLite, in-process, has no round trip to save: <paramref name="recordOne"/> for each id.
    /// </summary>
    public static async Task<IReadOnlySet<Guid>> RecordAppliedAsync(
        DatabaseFacade database, IReadOnlyList<Guid> recordIds, Instant now, Func<Guid, Task<bool>> recordOne, CancellationToken ct)
    {
        if (database.IsSqlite())
        {
            var fresh = new HashSet<Guid>();
            foreach (var id in recordIds)
            {
                if (await recordOne(id))
                {
                    fresh.Add(id);
                }
            }
            return fresh;
        }
        var inserted = await database.SqlQueryRaw<Guid>(
            "INSERT INTO teski_mirror_applied (record_id, applied_at) SELECT x, @now FROM unnest(@ids) AS x " +
            "ON CONFLICT DO NOTHING RETURNING record_id AS \"Value\"",
            new NpgsqlParameter("ids", recordIds.ToArray()), new NpgsqlParameter("now", now)).ToListAsync(ct);
        return inserted.ToHashSet();
    }
}
