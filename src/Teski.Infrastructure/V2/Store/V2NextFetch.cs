using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;
using Teski.Domain.Analytics;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.V2.Store;

/// <summary>
/// <c>GET /memory/next</c> on PostgreSQL as one statement (<see cref="INextFetchPort"/>, ADR 0009 addendum): today's
/// review count, the due items within the request and the daily cap, and the <c>memory.review_fetch</c> event carrying
/// how many came back. Before, the items (with the count) and the event insert were two round trips after the user's.
/// </summary>
internal static class V2NextFetch
{
    // $1 user, $2/$3 the user's day [start, end), $4 now, $5 requested, $6 daily cap, $7 event id, $8 event kind,
    // $9 whether to record the event (the user's analytics consent).
    // The LIMIT is DailyCap.Limit(requested, cap, today): max(0, min(requested, cap - today)) (DailyCapSqlTests).
    // The day's count comes back even when nothing is due (the LEFT JOIN keeps its one row). It is counted up to the
    // cap only (the LIMIT's arithmetic and the caller's remaining count are the same for any count at or above it):
    // a full count read every review of the day, and grew with them over a load run (docs/benchmarks.md).
    internal const string Sql =
        "WITH day AS (SELECT count(*)::int AS n FROM (SELECT 1 FROM reviewlog WHERE user_id = $1 AND reviewed_at >= $2 AND reviewed_at < $3 " +
        "LIMIT greatest($6, 0)) AS r), " +
        "due AS (SELECT id, concept, due_at FROM memoryitem WHERE user_id = $1 AND due_at <= $4 ORDER BY due_at " +
        "LIMIT greatest(0, least($5, $6 - (SELECT n FROM day)))), " +
        "fetched AS (INSERT INTO analyticsevent (id, user_id, kind, payload, ts) " +
        "SELECT $7, $1, $8, jsonb_build_object('count', (SELECT count(*) FROM due)), $4 WHERE $9) " +
        "SELECT day.n, due.id, due.concept, due.due_at FROM day LEFT JOIN due ON true ORDER BY due.due_at";

    /// <summary>Null on SQLite, or when the scope's context holds unsaved changes (the two-step path saves them with the event).</summary>
    public static async Task<DueReviews?> TakeAsync(
        V2DbContext db, UserIdentity user, int requested, int dailyCap, Instant now, CancellationToken ct)
    {
        if (V2Store.IsSqlite(db) || db.ChangeTracker.HasChanges())
        {
            return null;
        }
        var userId = V2RowMapping.V2Id(user);
        var (start, end) = V2Today.For(user, now);
        await using var command = await PostgresCommands.CreateAsync(db.Database, Sql, ct);
        foreach (var value in new object[] { userId, start, end, now, requested, dailyCap, Guid.NewGuid(), AnalyticsKinds.ReviewFetch, user.AnalyticsConsent })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        var items = new List<DueItem>();
        var today = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            today = reader.GetInt32(0);
            if (!reader.IsDBNull(1))
            {
                items.Add(new DueItem(reader.GetGuid(1), null, reader.GetString(2), reader.GetFieldValue<Instant>(3)));
            }
        }
        return new DueReviews(items, today);
    }
}
