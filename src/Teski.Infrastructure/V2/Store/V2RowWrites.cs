using Npgsql;
using NpgsqlTypes;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.V2.Store;

/// <summary>
/// The rows one review or one mistake writes: new rows (review log, mistake, memory item, XP, badge, analytics) and
/// the updates of the locked rows (the item's schedule, the user's streak). On SQLite through EF: the locked rows are
/// tracked there, so their changed columns become UPDATEs. On PostgreSQL as one <see cref="NpgsqlBatch"/> of plain
/// statements, one round trip: through <c>SaveChangesAsync</c>, change detection and command-batch preparation over
/// the tracked rows cost about a fifth of the service's CPU per review, for a fixed set of statements
/// (docs/benchmarks.md). The locks are taken the same way (<see cref="V2RowMapping.LockUserAndItemAsync"/>, ADR 0009).
/// </summary>
internal sealed class V2RowWrites
{
    // The column lists name every column the EF model maps for the row (PlainStatementColumnsTests checks).
    internal const string UpdateItemSql =
        "UPDATE memoryitem SET task_id = $2, ease = $3, \"interval\" = $4, due_at = $5, stability = $6, difficulty = $7, lapses = $8 WHERE id = $1";
    internal const string UpdateStreakSql = "UPDATE \"user\" SET streak_days = $2, last_streak_at = $3 WHERE id = $1";
    internal const string InsertItemSql =
        "INSERT INTO memoryitem (id, user_id, task_id, concept, ease, \"interval\", due_at, stability, difficulty, lapses) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    internal const string InsertMistakeSql =
        "INSERT INTO mistake (id, user_id, task_id, concept, subtype, raw, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    internal const string InsertReviewLogSql =
        "INSERT INTO reviewlog (id, user_id, memory_id, grade, scheduled_for, reviewed_at, next_due_at, delta_seconds) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    internal const string InsertXpSql = "INSERT INTO xpevent (id, user_id, amount, reason, ts) VALUES ($1, $2, $3, $4, $5)";
    internal const string InsertBadgeSql = "INSERT INTO badge (id, user_id, kind, acquired_at) VALUES ($1, $2, $3, $4)";
    internal const string InsertEventSql = "INSERT INTO analyticsevent (id, user_id, kind, payload, ts) VALUES ($1, $2, $3, $4, $5)";

    private readonly List<object> _inserts = new(6);
    private V2UserRow? _streak;
    private MemoryItemRow? _schedule;

    /// <summary>A new row: <see cref="MistakeRow"/>, <see cref="MemoryItemRow"/>, <see cref="ReviewLogRow"/>, <see cref="XpEventRow"/> or <see cref="BadgeRow"/>.</summary>
    public void Insert(object row) => _inserts.Add(row);

    /// <summary>A new analytics row; null (no consent) adds nothing.</summary>
    public void Insert(AnalyticsEventRow? e)
    {
        if (e is not null)
        {
            _inserts.Add(e);
        }
    }

    /// <summary>The locked item's schedule (every column a mistake or review may change) is written back.</summary>
    public void UpdateSchedule(MemoryItemRow item) => _schedule = item;

    /// <summary>The locked user's streak is written back.</summary>
    public void UpdateStreak(V2UserRow user) => _streak = user;

    /// <summary>
    /// Writes the rows: on PostgreSQL one batch, which the store holds back in a transaction to send with the commit
    /// (<see cref="V2Store.ExecuteWritesAsync"/>), so it must be the port call's last statement.
    /// </summary>
    public async Task SaveAsync(V2Store store, V2DbContext db, CancellationToken ct)
    {
        if (V2Store.IsSqlite(db))
        {
            db.AddRange(_inserts);
            await db.SaveChangesAsync(ct);
            return;
        }
        var batch = await PostgresCommands.CreateBatchAsync(db.Database, ct);
        try
        {
            AddCommands(batch);
        }
        catch
        {
            await batch.DisposeAsync();
            throw;
        }
        await store.ExecuteWritesAsync(batch, ct);
    }

    private void AddCommands(NpgsqlBatch batch)
    {
        // Updates first, in lock order (user, then item), then the inserts in the order they were added.
        if (_streak is { } u)
        {
            batch.BatchCommands.Add(PostgresCommands.Command(UpdateStreakSql, u.Id, u.StreakDays, Nullable(u.LastStreakAt, NpgsqlDbType.TimestampTz)));
        }
        if (_schedule is { } s)
        {
            batch.BatchCommands.Add(PostgresCommands.Command(UpdateItemSql,
                s.Id, Nullable(s.TaskId, NpgsqlDbType.Uuid), s.Ease, s.Interval, s.DueAt, s.Stability, s.Difficulty, s.Lapses));
        }
        foreach (var row in _inserts)
        {
            batch.BatchCommands.Add(row switch
            {
                MemoryItemRow m => PostgresCommands.Command(InsertItemSql,
                    m.Id, m.UserId, Nullable(m.TaskId, NpgsqlDbType.Uuid), m.Concept, m.Ease, m.Interval, m.DueAt, m.Stability, m.Difficulty, m.Lapses),
                MistakeRow k => PostgresCommands.Command(InsertMistakeSql,
                    k.Id, k.UserId, Nullable(k.TaskId, NpgsqlDbType.Uuid), k.Concept, k.Subtype, k.Raw, k.CreatedAt),
                ReviewLogRow r => PostgresCommands.Command(InsertReviewLogSql,
                    r.Id, r.UserId, r.MemoryId, r.Grade, r.ScheduledFor, r.ReviewedAt, r.NextDueAt, r.DeltaSeconds),
                XpEventRow x => PostgresCommands.Command(InsertXpSql, x.Id, x.UserId, x.Amount, x.Reason, x.Ts),
                BadgeRow b => PostgresCommands.Command(InsertBadgeSql, b.Id, b.UserId, b.Kind, b.AcquiredAt),
                AnalyticsEventRow e => PostgresCommands.Command(InsertEventSql,
                    e.Id, Nullable(e.UserId, NpgsqlDbType.Uuid), e.Kind, new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = e.Payload }, e.Ts),
                _ => throw new InvalidOperationException($"V2RowWrites does not write {row.GetType().Name} rows."),
            });
        }
    }

    private static NpgsqlParameter Nullable(object? value, NpgsqlDbType type) =>
        new() { NpgsqlDbType = type, Value = value ?? DBNull.Value };
}
