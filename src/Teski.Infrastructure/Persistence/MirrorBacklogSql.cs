using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using Npgsql;
using Teski.Application.Common.Stores;

namespace Teski.Infrastructure.Persistence;

/// <summary>A <c>teski_mirror_backlog</c> row, the same columns in both stores (the legacy and the v2 row class).</summary>
public interface IMirrorBacklogRow
{
    Guid Id { get; }
    long Seq { get; }
    string Stream { get; }
    string Kind { get; }
    string Payload { get; }
    Instant CreatedAt { get; }
    int Attempts { get; }
    Instant NextAttemptAt { get; }
    Instant? AppliedAt { get; }
}

/// <summary>A <c>teski_mirror_applied</c> (ledger) row, the same columns in both stores.</summary>
public interface IMirrorAppliedRow
{
    Guid RecordId { get; }
    Instant AppliedAt { get; }
}

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
    /// none of that is needed, nor EF's raw-SQL command building: positional parameters, prepared automatically like
    /// every statement of the request (ADR 0008). <c>seq</c> comes from its identity default.
    /// </summary>
    private const string InsertSql =
        "INSERT INTO teski_mirror_backlog (id, stream, kind, payload, created_at, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, 0, $5)";

    /// <summary>The insert as a batch command: in a transaction the v2 store sends it behind the write batch it holds back, with the commit (V2Store.ExecuteWritesAsync).</summary>
    public static NpgsqlBatchCommand InsertCommand(Guid id, string stream, string kind, string payload, Instant now)
    {
        var command = new NpgsqlBatchCommand(InsertSql);
        AddInsertParameters(command.Parameters, id, stream, kind, payload, now);
        return command;
    }

    /// <summary>The insert on its own (the legacy store's outbox, when the legacy store is primary).</summary>
    public static async Task<int> InsertOnPostgresAsync(
        DatabaseFacade database, Guid id, string stream, string kind, string payload, Instant now, CancellationToken ct)
    {
        await using var command = await PostgresCommands.CreateAsync(database, InsertSql, ct);
        AddInsertParameters(command.Parameters, id, stream, kind, payload, now);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static void AddInsertParameters(NpgsqlParameterCollection parameters, Guid id, string stream, string kind, string payload, Instant now)
    {
        parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = kind });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = payload, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
        parameters.Add(new NpgsqlParameter<Instant> { TypedValue = now });
    }

    /// <summary>Both claims lease what they lock and count an attempt.</summary>
    private const string ClaimUpdate = "UPDATE teski_mirror_backlog AS t SET next_attempt_at = $1, attempts = t.attempts + 1 ";

    /// <summary>Both claims return the record's columns in this order (read by ordinal below), then whether its stream holds more.</summary>
    private const string ClaimReturning =
        "RETURNING t.id, t.seq, t.stream, t.kind, t.payload::text, t.created_at, t.attempts, t.next_attempt_at, ";

    /// <summary>The claim over every stream (the periodic pass): due heads in seq order, each checked against its stream's index.</summary>
    private const string ClaimAnySql =
        ClaimUpdate +
        "FROM (SELECT b.id FROM teski_mirror_backlog AS b " +
        "WHERE b.applied_at IS NULL AND b.next_attempt_at <= $2 " +
        "AND NOT EXISTS (SELECT 1 FROM teski_mirror_backlog AS o WHERE o.stream = b.stream AND o.applied_at IS NULL AND o.seq < b.seq) " +
        "ORDER BY b.seq LIMIT $3 FOR UPDATE OF b SKIP LOCKED) AS h " +
        "WHERE t.id = h.id " +
        ClaimReturning +
        "EXISTS (SELECT 1 FROM teski_mirror_backlog AS n WHERE n.stream = t.stream AND n.applied_at IS NULL AND n.seq > t.seq)";

    /// <summary>
    /// The claim of named streams (the signalled worker, a request mirroring inline): each stream's head is its lowest
    /// unapplied seq, found in one pass over those streams' pending records (<c>DISTINCT ON</c>), which also counts
    /// whether the stream holds more; the heads' ids then go to the locking scan as one array (evaluated once), so no
    /// part of the plan runs once per candidate. The head-per-record form above (<c>NOT EXISTS</c> an earlier record,
    /// and the <c>EXISTS</c> a later one), and a join of the heads with the locked rows, are quadratic when PostgreSQL
    /// scans the pending records by seq (or rescans the heads) for each candidate, which it plans when its statistics
    /// say the pending set is nearly empty (as right after a vacuum): the worker's claim of ~45 coalesced records then
    /// read ~2,300 index entries and took 3–5 ms (docs/benchmarks.md). Only the head row is locked, and a locked head
    /// is skipped, never its stream's next record.
    /// </summary>
    private const string ClaimNamedSql =
        "WITH heads AS MATERIALIZED (SELECT DISTINCT ON (x.stream) x.id, count(*) OVER (PARTITION BY x.stream) > 1 AS more " +
        "FROM teski_mirror_backlog AS x WHERE x.applied_at IS NULL AND x.stream = ANY($4) ORDER BY x.stream, x.seq) " +
        ClaimUpdate +
        "FROM (SELECT b.id FROM teski_mirror_backlog AS b " +
        "WHERE b.id = ANY(ARRAY(SELECT id FROM heads)) AND b.applied_at IS NULL AND b.next_attempt_at <= $2 " +
        "ORDER BY b.seq LIMIT $3 FOR UPDATE OF b SKIP LOCKED) AS h " +
        "WHERE t.id = h.id " +
        ClaimReturning +
        "t.id = ANY(ARRAY(SELECT id FROM heads WHERE more))";

    /// <summary>
    /// The whole claim in one statement (PostgreSQL): the due stream heads (<c>streams</c> null: of every stream), locked
    /// with <c>FOR UPDATE SKIP LOCKED</c> and leased to <paramref name="until"/> with an attempt counted. Of several
    /// claimers (workers, instances) racing for a head exactly one takes it: the others skip it while it is locked, and
    /// once the winner has committed, READ COMMITTED re-checks the row's new version, which is no longer due. A stream's
    /// later record is never taken while an earlier one is unapplied (the <c>NOT EXISTS</c>, or the named streams'
    /// heads), so a stream stays in order.
    /// Each record also says whether its stream holds a later unapplied record (<see cref="MirrorRecord.StreamHasMore"/>),
    /// so the dispatcher need not claim again only to find nothing. It replaced a head query plus a compare-and-set: two
    /// statements, both planned anew on (nearly) every call, and a third claim at the end of each drain that found nothing
    /// (docs/benchmarks.md).
    /// </summary>
    public static async Task<List<MirrorRecord>> ClaimOnPostgresAsync(
        DatabaseFacade database, int max, Instant now, Instant until, IReadOnlyCollection<string>? streams, CancellationToken ct)
    {
        await using var command = await PostgresCommands.CreateAsync(database, streams is null ? ClaimAnySql : ClaimNamedSql, ct);
        command.Parameters.Add(new NpgsqlParameter { Value = until });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = max });
        if (streams is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = streams.ToArray() });
        }
        var claimed = new List<MirrorRecord>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                claimed.Add(new MirrorRecord(
                    reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.GetFieldValue<Instant>(5), reader.GetInt32(6), reader.GetFieldValue<Instant>(7), reader.GetBoolean(8)));
            }
        }
        // RETURNING has no order: a batch is applied in seq order.
        claimed.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return claimed;
    }

    /// <summary>
    /// The claim on SQLite (in-process: no round trip to save), either store's backlog: the due stream heads (only the
    /// head of each stream, its lowest unapplied seq, and only when that head is due: a later record of a stream whose
    /// head is leased or backing off waits, so a stream is applied in order), then a compare-and-set per head. Only one
    /// claimer moves <c>next_attempt_at</c> from the value it saw; the others match no row. Runs in the caller's
    /// transaction, if it has one.
    /// </summary>
    public static async Task<List<MirrorRecord>> ClaimOnSqliteAsync<TRow>(
        DbSet<TRow> backlog, int max, Instant now, Instant until, IReadOnlyCollection<string>? streams, CancellationToken ct)
        where TRow : class, IMirrorBacklogRow
    {
        var heads = await backlog.AsNoTracking()
            .Where(b => b.AppliedAt == null && (streams == null || streams.Contains(b.Stream)))
            .Where(b => !backlog.Any(o => o.Stream == b.Stream && o.AppliedAt == null && o.Seq < b.Seq))
            .Where(b => b.NextAttemptAt <= now)
            .OrderBy(b => b.Seq)
            .Take(max)
            .ToListAsync(ct);
        var claimed = new List<MirrorRecord>(heads.Count);
        foreach (var head in heads)
        {
            var seen = head.NextAttemptAt;
            if (await backlog
                .Where(b => b.Id == head.Id && b.NextAttemptAt == seen && b.AppliedAt == null)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(b => b.NextAttemptAt, until)
                    .SetProperty(b => b.Attempts, b => b.Attempts + 1), ct) == 1)
            {
                claimed.Add(new MirrorRecord(head.Id, head.Seq, head.Stream, head.Kind, head.Payload, head.CreatedAt, head.Attempts + 1, until));
            }
        }
        return claimed;
    }

    /// <summary>
    /// PostgreSQL: <c>ANALYZE</c> of the backlog table (either store's), so the claim over every stream is planned for the
    /// backlog as it is (<see cref="IMirrorBacklog.RefreshStatisticsAsync"/>). A sample of the table, not a full read; it
    /// blocks no reads or writes. PostgreSQL skips the table with a warning, not an error, for a role that does not own
    /// it: that warning is raised here as an error naming the cause, since the statistics stayed as they were. SQLite:
    /// nothing (false).
    /// </summary>
    public static async Task<bool> RefreshStatisticsAsync(DatabaseFacade database, CancellationToken ct)
    {
        if (database.IsSqlite())
        {
            return false;
        }
        await database.OpenConnectionAsync(ct);
        var connection = (NpgsqlConnection)database.GetDbConnection();
        string? skipped = null;
        void OnNotice(object? sender, NpgsqlNoticeEventArgs e)
        {
            if (e.Notice.InvariantSeverity == "WARNING")
            {
                skipped ??= e.Notice.MessageText;
            }
        }
        connection.Notice += OnNotice;
        try
        {
            await database.ExecuteSqlRawAsync("ANALYZE teski_mirror_backlog", ct);
        }
        finally
        {
            connection.Notice -= OnNotice;
            await database.CloseConnectionAsync();
        }
        return skipped is null
            ? true
            : throw new InvalidOperationException($"PostgreSQL did not analyze teski_mirror_backlog: {skipped}");
    }

    /// <summary>
    /// Deletes up to <paramref name="max"/> records applied before <paramref name="appliedBefore"/>, oldest first,
    /// either store's backlog; returns how many. PostgreSQL: one statement over the applied records' index (v2:
    /// <c>teski_ix_mirror_backlog_applied_at</c>; legacy: <c>ix_teski_mirror_backlog_pending</c>, which leads with
    /// <c>applied_at</c>). No <c>FOR UPDATE SKIP LOCKED</c>: only another pruner touches an applied row, and locking
    /// each row before deleting it wrote every heap tuple twice; two instances pruning at once wait for one statement
    /// at most, and the second finds the rows gone. SQLite: the same as one EF delete. A pending record
    /// (<c>applied_at</c> null) never matches <c>applied_at &lt; …</c>.
    /// </summary>
    public static async Task<int> PruneAppliedAsync<TRow>(
        DatabaseFacade database, DbSet<TRow> backlog, Instant appliedBefore, int max, CancellationToken ct)
        where TRow : class, IMirrorBacklogRow
    {
        if (database.IsSqlite())
        {
            return await backlog
                .Where(b => b.AppliedAt != null && b.AppliedAt < appliedBefore)
                .OrderBy(b => b.AppliedAt)
                .Take(max)
                .ExecuteDeleteAsync(ct);
        }
        await using var command = await PostgresCommands.CreateAsync(database,
            "DELETE FROM teski_mirror_backlog AS t USING (SELECT b.id FROM teski_mirror_backlog AS b " +
            "WHERE b.applied_at IS NOT NULL AND b.applied_at < $1 ORDER BY b.applied_at LIMIT $2) AS d " +
            "WHERE t.id = d.id",
            ct);
        command.Parameters.Add(new NpgsqlParameter { Value = appliedBefore });
        command.Parameters.Add(new NpgsqlParameter { Value = max });
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The ledger's entries recorded before <paramref name="appliedBefore"/>, oldest first (its <c>applied_at</c> index).</summary>
    public static async Task<IReadOnlyList<Guid>> LedgerBeforeAsync<TApplied>(
        DbSet<TApplied> ledger, Instant appliedBefore, int max, CancellationToken ct)
        where TApplied : class, IMirrorAppliedRow =>
        await ledger.AsNoTracking()
            .Where(a => a.AppliedAt < appliedBefore)
            .OrderBy(a => a.AppliedAt)
            .Take(max)
            .Select(a => a.RecordId)
            .ToListAsync(ct);

    /// <summary>Of <paramref name="ids"/>, the records the backlog holds unapplied (by primary key).</summary>
    public static async Task<IReadOnlySet<Guid>> PendingAmongAsync<TRow>(
        DbSet<TRow> backlog, IReadOnlyCollection<Guid> ids, CancellationToken ct)
        where TRow : class, IMirrorBacklogRow =>
        (await backlog.AsNoTracking()
            .Where(b => ids.Contains(b.Id) && b.AppliedAt == null)
            .Select(b => b.Id)
            .ToListAsync(ct)).ToHashSet();

    /// <summary>Deletes these ledger entries, one statement (by primary key).</summary>
    public static Task<int> ForgetAppliedAsync<TApplied>(DbSet<TApplied> ledger, IReadOnlyCollection<Guid> ids, CancellationToken ct)
        where TApplied : class, IMirrorAppliedRow =>
        ledger.Where(a => ids.Contains(a.RecordId)).ExecuteDeleteAsync(ct);

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
