using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Teski.Infrastructure.V2.Store;

/// <summary>
/// What one review writes: the item's new schedule, the user's streak, the review log, and the XP, badge and
/// analytics rows. On SQLite through EF (the user and item rows are tracked, so their changed columns become
/// UPDATEs). On PostgreSQL as one <see cref="NpgsqlBatch"/> of plain statements, one round trip: through
/// <c>SaveChangesAsync</c> the change detection and command-batch preparation over the tracked rows cost about a fifth
/// of the service's CPU per review, for a fixed set of statements (docs/benchmarks.md; ADR 0009 keeps the review's
/// locks as one batch the same way).
/// </summary>
internal sealed class V2ReviewWrites(V2UserRow user, MemoryItemRow item, ReviewLogRow log)
{
    private readonly List<object> _inserts = new(6) { log };

    public void Add(XpEventRow xp) => _inserts.Add(xp);

    public void Add(BadgeRow badge) => _inserts.Add(badge);

    /// <summary>Adds the event; null (no consent) adds nothing.</summary>
    public void Add(AnalyticsEventRow? e)
    {
        if (e is not null)
        {
            _inserts.Add(e);
        }
    }

    public async Task SaveAsync(V2DbContext db, CancellationToken ct)
    {
        if (V2Store.IsSqlite(db))
        {
            db.AddRange(_inserts);
            await db.SaveChangesAsync(ct);
            return;
        }
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection())
        {
            Transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction(),
        };
        // Every column the review may change, whether or not this review changed it: the rows are locked, so the
        // values are the ones read under the lock plus this review's changes.
        batch.BatchCommands.Add(Command(
            "UPDATE memoryitem SET task_id = $2, ease = $3, \"interval\" = $4, due_at = $5, stability = $6, difficulty = $7, lapses = $8 WHERE id = $1",
            item.Id, Nullable(item.TaskId, NpgsqlDbType.Uuid), item.Ease, item.Interval, item.DueAt, item.Stability, item.Difficulty, item.Lapses));
        batch.BatchCommands.Add(Command(
            "UPDATE \"user\" SET streak_days = $2, last_streak_at = $3 WHERE id = $1",
            user.Id, user.StreakDays, Nullable(user.LastStreakAt, NpgsqlDbType.TimestampTz)));
        foreach (var row in _inserts)
        {
            batch.BatchCommands.Add(row switch
            {
                ReviewLogRow r => Command(
                    "INSERT INTO reviewlog (id, user_id, memory_id, grade, scheduled_for, reviewed_at, next_due_at, delta_seconds) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    r.Id, r.UserId, r.MemoryId, r.Grade, r.ScheduledFor, r.ReviewedAt, r.NextDueAt, r.DeltaSeconds),
                XpEventRow x => Command(
                    "INSERT INTO xpevent (id, user_id, amount, reason, ts) VALUES ($1, $2, $3, $4, $5)",
                    x.Id, x.UserId, x.Amount, x.Reason, x.Ts),
                BadgeRow b => Command(
                    "INSERT INTO badge (id, user_id, kind, acquired_at) VALUES ($1, $2, $3, $4)",
                    b.Id, b.UserId, b.Kind, b.AcquiredAt),
                AnalyticsEventRow e => Command(
                    "INSERT INTO analyticsevent (id, user_id, kind, payload, ts) VALUES ($1, $2, $3, $4, $5)",
                    e.Id, Nullable(e.UserId, NpgsqlDbType.Uuid), e.Kind, new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = e.Payload }, e.Ts),
                _ => throw new InvalidOperationException($"A review does not write {row.GetType().Name} rows."),
            });
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlParameter Nullable(object? value, NpgsqlDbType type) =>
        new() { NpgsqlDbType = type, Value = value ?? DBNull.Value };

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        }
        return command;
    }
}
