using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;
using Teski.Domain.Analytics;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.V2.Store;

/// <summary>
/// <c>GET /memory/next</c> on PostgreSQL as one statement (<see cref="INextFetchPort"/>, ADR 0009 addendum): the user's
/// row, today's review count, the due items within the request and the daily cap, and the <c>memory.review_fetch</c>
/// event carrying how many came back. Before, the user's row was a round trip of its own, and before that the items
/// (with the count) and the event insert were two more.
/// </summary>
/// <remarks>
/// Today's count needs the user's local day, so the statement is given the day of a guessed zone
/// (<see cref="V2UserZoneHints"/>: the zone this process last read on the user's row) and goes on only where the row's
/// zone, read in the same snapshot, is that one; otherwise it reads nothing more, writes nothing, and returns the row's
/// zone, and the statement runs again with it. With no guess yet, the user's row is read first (the old two round
/// trips). The day is computed as <see cref="V2Today.For"/> computes it (NodaTime's TZDB), never by PostgreSQL.
/// </remarks>
internal static class V2NextFetch
{
    // $1 user, $2/$3 the guessed zone's day [start, end), $4 now, $5 requested, $6 daily cap, $7 event id, $8 event kind,
    // $9 the guessed zone.
    // "ok" has the user's row when its zone is the guessed one; nothing is read (due) or written (fetched) without it.
    // The event is recorded only with the user's analytics consent, as the row has it.
    // The LIMIT is DailyCap.Limit(requested, cap, today): max(0, min(requested, cap - today)) (DailyCapSqlTests).
    // The day's count comes back even when nothing is due (the LEFT JOIN keeps its one row). It is counted up to the
    // cap only (the LIMIT's arithmetic and the caller's remaining count are the same for any count at or above it):
    // a full count read every review of the day, and grew with them over a load run (docs/benchmarks.md).
    // No row at all: the user is not in the store.
    internal const string Sql =
        "WITH u AS (SELECT timezone, analytics_consent FROM \"user\" WHERE id = $1), " +
        "ok AS (SELECT analytics_consent FROM u WHERE timezone = $9), " +
        "day AS (SELECT count(*)::int AS n FROM (SELECT 1 FROM reviewlog WHERE user_id = $1 AND reviewed_at >= $2 AND reviewed_at < $3 " +
        "LIMIT greatest($6, 0)) AS r), " +
        "due AS (SELECT id, concept, due_at FROM memoryitem WHERE user_id = $1 AND due_at <= $4 AND EXISTS (SELECT 1 FROM ok) ORDER BY due_at " +
        "LIMIT greatest(0, least($5, $6 - (SELECT n FROM day)))), " +
        "fetched AS (INSERT INTO analyticsevent (id, user_id, kind, payload, ts) " +
        "SELECT $7, $1, $8, jsonb_build_object('count', (SELECT count(*) FROM due)), $4 FROM ok WHERE ok.analytics_consent) " +
        "SELECT u.timezone, day.n, due.id, due.concept, due.due_at FROM u CROSS JOIN day LEFT JOIN due ON true ORDER BY due.due_at";

    /// <summary>
    /// Null on SQLite, when the scope's context holds unsaved changes (the two-step path saves them with the event), or
    /// when the user is not in the store; in each case nothing was written.
    /// </summary>
    public static async Task<DueReviews?> TakeAsync(
        V2DbContext db, V2UserZoneHints hints, Guid userId, int requested, int dailyCap, Instant now, CancellationToken ct)
    {
        if (V2Store.IsSqlite(db) || db.ChangeTracker.HasChanges())
        {
            return null;
        }
        var zone = hints.Get(userId);
        if (zone is null)
        {
            var user = await V2HotQueries.UserAsync(db, userId, ct);
            if (user is null)
            {
                return null;
            }
            zone = user.TimeZone;
        }
        // The second attempt runs with the zone the first one read; a third is needed only when the zone changed again
        // in between, and the two-step path (which reads the row afresh) answers then.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var (rowZone, taken) = await RunAsync(db, userId, zone, requested, dailyCap, now, ct);
            if (rowZone is null)
            {
                return null;
            }
            hints.Set(userId, rowZone);
            if (rowZone == zone)
            {
                return taken;
            }
            zone = rowZone;
        }
        return null;
    }

    private static async Task<(string? RowZone, DueReviews Taken)> RunAsync(
        V2DbContext db, Guid userId, string zone, int requested, int dailyCap, Instant now, CancellationToken ct)
    {
        var (start, end) = V2Today.For(zone, now);
        await using var command = await PostgresCommands.CreateAsync(db.Database, Sql, ct);
        foreach (var value in new object[] { userId, start, end, now, requested, dailyCap, Guid.NewGuid(), AnalyticsKinds.ReviewFetch, zone })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        string? rowZone = null;
        var items = new List<DueItem>();
        var today = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rowZone = reader.GetString(0);
            today = reader.GetInt32(1);
            if (!reader.IsDBNull(2))
            {
                items.Add(new DueItem(reader.GetGuid(2), null, reader.GetString(3), reader.GetFieldValue<Instant>(4)));
            }
        }
        return (rowZone, new DueReviews(items, today));
    }
}
