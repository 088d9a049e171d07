using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using Teski.Application.Common.Stores;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Legacy.Store;

/// <summary>
/// The mirror's batch of mistakes on a PostgreSQL legacy store, in two round trips of plain statements instead of EF's
/// five (docs/benchmarks.md, "the legacy mirror's batch of mistakes as plain statements"):
/// <list type="number">
/// <item>the people's locks, their <c>memory_stats</c> rows, the cards the batch schedules, and one new id per log from
/// <c>mistake_logs</c>' own sequence (so the row links can name their logs in the same round trip as the logs);</item>
/// <item>every write, set-based: the logs, the stats rows and cards changed and created, the row links.</item>
/// </list>
/// The rows are those <see cref="MistakeRows.Record"/> computes, as on EF's path. A <c>mistake_logs.id</c> without an
/// owned sequence (a hand-made table whose default is not a serial's) leaves the writes to EF, which reads back the
/// generated ids.
/// </summary>
internal static class LegacyMistakeBatchWrites
{
    // The column lists name every column the EF model maps for the row (LegacyPlainStatementColumnsTests checks).
    internal const string StatsSql =
        "SELECT id, user_id, skill_id, mistake_count, last_missed_at, last_mastered_at, stability FROM memory_stats WHERE user_id = ANY($1)";
    internal const string CardsSql =
        "SELECT r.id, r.user_id, r.skill_id, r.template_code, r.easiness, r.stability, r.last_interval_days, r.next_review_at, r.status, r.last_result, r.updated_at " +
        "FROM review_cards AS r JOIN unnest($1::integer[], $2::text[]) AS k(user_id, template_code) ON r.user_id = k.user_id AND r.template_code = k.template_code";
    internal const string LogIdsSql = "SELECT nextval(pg_get_serial_sequence('mistake_logs', 'id')) FROM generate_series(1, $1) ORDER BY 1";
    internal const string InsertLogsSql =
        "INSERT INTO mistake_logs (id, user_id, skill_id, template_code, instance_id, error_type, error_subtype, detail, weight, occurred_at, resolved_at) " +
        "SELECT * FROM unnest($1::integer[], $2::integer[], $3::integer[], $4::text[], $5::integer[], $6::text[], $7::text[], $8::json[], $9::double precision[], $10::timestamp[], $11::timestamp[])";
    /// <summary><see cref="InsertLogsSql"/> for a database whose <c>mistake_logs</c> predates <c>error_subtype</c>.</summary>
    internal const string InsertLogsWithoutSubtypeSql =
        "INSERT INTO mistake_logs (id, user_id, skill_id, template_code, instance_id, error_type, detail, weight, occurred_at, resolved_at) " +
        "SELECT * FROM unnest($1::integer[], $2::integer[], $3::integer[], $4::text[], $5::integer[], $6::text[], $7::json[], $8::double precision[], $9::timestamp[], $10::timestamp[])";
    internal const string InsertStatsSql =
        "INSERT INTO memory_stats (user_id, skill_id, mistake_count, last_missed_at, last_mastered_at, stability) " +
        "SELECT * FROM unnest($1::integer[], $2::integer[], $3::integer[], $4::timestamp[], $5::timestamp[], $6::double precision[])";
    internal const string UpdateStatsSql =
        "UPDATE memory_stats AS s SET mistake_count = v.mistake_count, last_missed_at = v.last_missed_at, last_mastered_at = v.last_mastered_at, stability = v.stability " +
        "FROM unnest($1::integer[], $2::integer[], $3::timestamp[], $4::timestamp[], $5::double precision[]) AS v(id, mistake_count, last_missed_at, last_mastered_at, stability) WHERE s.id = v.id";
    internal const string InsertCardsSql =
        "INSERT INTO review_cards (user_id, skill_id, template_code, easiness, stability, last_interval_days, next_review_at, status, last_result, updated_at) " +
        "SELECT * FROM unnest($1::integer[], $2::integer[], $3::text[], $4::double precision[], $5::double precision[], $6::double precision[], $7::timestamp[], $8::text[], $9::boolean[], $10::timestamp[])";
    internal const string UpdateCardsSql =
        "UPDATE review_cards AS c SET easiness = v.easiness, stability = v.stability, last_interval_days = v.last_interval_days, next_review_at = v.next_review_at, " +
        "status = v.status, last_result = v.last_result, updated_at = v.updated_at " +
        "FROM unnest($1::integer[], $2::double precision[], $3::double precision[], $4::double precision[], $5::timestamp[], $6::text[], $7::boolean[], $8::timestamp[]) " +
        "AS v(id, easiness, stability, last_interval_days, next_review_at, status, last_result, updated_at) WHERE c.id = v.id";
    internal const string InsertRowLinksSql =
        "INSERT INTO legacy_row_link (entity, legacy_id, v2_id) SELECT 'mistake_logs', l, v FROM unnest($1::text[], $2::uuid[]) AS t(l, v)";

    /// <summary>
    /// Applies the mistakes (<paramref name="owners"/>: each one's legacy user id, in order) in the context's current
    /// transaction. <paramref name="userIds"/> are the distinct owners, <paramref name="cardKeys"/> the (user,
    /// template code) pairs whose cards the batch schedules.
    /// </summary>
    public static async Task ApplyAsync(LegacyDbContext db, IReadOnlyList<MirroredMistake> mistakes, IReadOnlyList<int> owners,
        IReadOnlyList<int> userIds, IReadOnlyList<(int User, string Concept)> cardKeys, CancellationToken ct)
    {
        var (stats, cards, logIds) = await ReadAsync(db, mistakes.Count, userIds, cardKeys, ct);
        if (logIds is null)
        {
            // The rows read are attached as found, so EF writes their changes.
            db.MemoryStats.AttachRange(stats);
            db.ReviewCards.AttachRange(cards);
            await LegacyMemoryPort.SaveMistakesAsync(db, mistakes, owners, LegacyMemoryPort.StatsByKey(stats), LegacyMemoryPort.CardsByKey(cards), ct);
            return;
        }

        var byStatsKey = LegacyMemoryPort.StatsByKey(stats);
        var byCardKey = LegacyMemoryPort.CardsByKey(cards);
        var logs = new LegacyMistakeLogRow[mistakes.Count];
        // Reference sets: a row created by one mistake and changed by the next is inserted once, with its last values.
        var newStats = new List<LegacyMemoryStatsRow>();
        var changedStats = new HashSet<LegacyMemoryStatsRow>(ReferenceEqualityComparer.Instance);
        var newCards = new List<LegacyReviewCardRow>();
        var changedCards = new HashSet<LegacyReviewCardRow>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < mistakes.Count; i++)
        {
            var written = MistakeRows.Record(owners[i], mistakes[i].Entry, LegacyRowMapping.Micros(mistakes[i].At), db.HasErrorSubtype, byStatsKey, byCardKey);
            written.Log.Id = logIds[i];
            logs[i] = written.Log;
            if (written.NewStats)
            {
                newStats.Add(written.Stats);
            }
            changedStats.Add(written.Stats);
            if (written.Card is { } card)
            {
                if (written.NewCard)
                {
                    newCards.Add(card);
                }
                changedCards.Add(card);
            }
        }
        changedStats.ExceptWith(newStats);
        changedCards.ExceptWith(newCards);

        await using var batch = await PostgresCommands.CreateBatchAsync(db.Database, ct);
        AddLogs(batch, logs, db.HasErrorSubtype);
        AddStats(batch, newStats, changedStats);
        AddCards(batch, newCards, changedCards);
        var links = Enumerable.Range(0, mistakes.Count).Where(i => mistakes[i].Entry.V2MistakeId is not null).ToList();
        if (links.Count > 0)
        {
            batch.BatchCommands.Add(PostgresCommands.Command(InsertRowLinksSql,
                PostgresCommands.Array(links.Select(i => logs[i].Id.ToString(CultureInfo.InvariantCulture)).ToArray(), NpgsqlDbType.Text),
                PostgresCommands.Array(links.Select(i => mistakes[i].Entry.V2MistakeId!.Value).ToArray(), NpgsqlDbType.Uuid)));
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The first round trip: the locks (<see cref="LegacyStore.LockUsersAsync"/>'s statement), then the rows as they are under
    /// them, and the new log ids in ascending order (null: <c>mistake_logs.id</c> has no owned sequence).
    /// </summary>
    private static async Task<(List<LegacyMemoryStatsRow> Stats, List<LegacyReviewCardRow> Cards, int[]? LogIds)> ReadAsync(
        LegacyDbContext db, int count, IReadOnlyList<int> userIds, IReadOnlyList<(int User, string Concept)> cardKeys, CancellationToken ct)
    {
        await using var batch = await PostgresCommands.CreateBatchAsync(db.Database, ct);
        batch.BatchCommands.Add(LegacyStore.LockUsersCommand(userIds));
        batch.BatchCommands.Add(PostgresCommands.Command(StatsSql, PostgresCommands.Array(userIds.ToArray(), NpgsqlDbType.Integer)));
        if (cardKeys.Count > 0)
        {
            batch.BatchCommands.Add(PostgresCommands.Command(CardsSql,
                PostgresCommands.Array(cardKeys.Select(k => k.User).ToArray(), NpgsqlDbType.Integer),
                PostgresCommands.Array(cardKeys.Select(k => k.Concept).ToArray(), NpgsqlDbType.Text)));
        }
        batch.BatchCommands.Add(PostgresCommands.Command(LogIdsSql, count));

        var stats = new List<LegacyMemoryStatsRow>();
        var cards = new List<LegacyReviewCardRow>();
        var ids = new List<long?>(count);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct); // the locks' rows (void) are not read
        while (await reader.ReadAsync(ct))
        {
            stats.Add(new LegacyMemoryStatsRow
            {
                Id = reader.GetInt32(0),
                UserId = reader.GetInt32(1),
                SkillId = NullableInt(reader, 2),
                MistakeCount = reader.GetInt32(3),
                LastMissedAt = NullableWall(reader, 4),
                LastMasteredAt = NullableWall(reader, 5),
                Stability = reader.GetDouble(6),
            });
        }
        if (cardKeys.Count > 0)
        {
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                cards.Add(new LegacyReviewCardRow
                {
                    Id = reader.GetInt32(0),
                    UserId = reader.GetInt32(1),
                    SkillId = NullableInt(reader, 2),
                    TemplateCode = reader.IsDBNull(3) ? null : reader.GetString(3),
                    Easiness = reader.GetDouble(4),
                    Stability = reader.GetDouble(5),
                    LastIntervalDays = reader.GetDouble(6),
                    NextReviewAt = Wall(reader.GetDateTime(7)),
                    Status = reader.GetString(8),
                    LastResult = reader.IsDBNull(9) ? null : reader.GetBoolean(9),
                    UpdatedAt = Wall(reader.GetDateTime(10)),
                });
            }
        }
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.IsDBNull(0) ? null : reader.GetInt64(0));
        }
        return (stats, cards, ids.Any(id => id is null) ? null : ids.Select(id => checked((int)id!.Value)).ToArray());
    }

    private static void AddLogs(NpgsqlBatch batch, LegacyMistakeLogRow[] logs, bool hasErrorSubtype)
    {
        var values = new List<NpgsqlParameter>
        {
            PostgresCommands.Array(logs.Select(l => l.Id).ToArray(), NpgsqlDbType.Integer),
            PostgresCommands.Array(logs.Select(l => l.UserId).ToArray(), NpgsqlDbType.Integer),
            PostgresCommands.Array(logs.Select(l => l.SkillId).ToArray(), NpgsqlDbType.Integer),
            PostgresCommands.Array(logs.Select(l => l.TemplateCode).ToArray(), NpgsqlDbType.Text),
            PostgresCommands.Array(logs.Select(l => l.InstanceId).ToArray(), NpgsqlDbType.Integer),
            PostgresCommands.Array(logs.Select(l => l.ErrorType).ToArray(), NpgsqlDbType.Text),
        };
        if (hasErrorSubtype)
        {
            values.Add(PostgresCommands.Array(logs.Select(l => l.ErrorSubtype).ToArray(), NpgsqlDbType.Text));
        }
        values.Add(PostgresCommands.Array(logs.Select(l => l.Detail).ToArray(), NpgsqlDbType.Json));
        values.Add(PostgresCommands.Array(logs.Select(l => l.Weight).ToArray(), NpgsqlDbType.Double));
        values.Add(PostgresCommands.Array(logs.Select(l => ToWall(l.OccurredAt)).ToArray(), NpgsqlDbType.Timestamp));
        values.Add(PostgresCommands.Array(logs.Select(l => ToWall(l.ResolvedAt)).ToArray(), NpgsqlDbType.Timestamp));
        batch.BatchCommands.Add(PostgresCommands.Command(hasErrorSubtype ? InsertLogsSql : InsertLogsWithoutSubtypeSql, [.. values]));
    }

    private static void AddStats(NpgsqlBatch batch, List<LegacyMemoryStatsRow> created, IReadOnlyCollection<LegacyMemoryStatsRow> changed)
    {
        if (changed.Count > 0)
        {
            batch.BatchCommands.Add(PostgresCommands.Command(UpdateStatsSql,
                PostgresCommands.Array(changed.Select(s => s.Id).ToArray(), NpgsqlDbType.Integer),
                PostgresCommands.Array(changed.Select(s => s.MistakeCount).ToArray(), NpgsqlDbType.Integer),
                PostgresCommands.Array(changed.Select(s => ToWall(s.LastMissedAt)).ToArray(), NpgsqlDbType.Timestamp),
                PostgresCommands.Array(changed.Select(s => ToWall(s.LastMasteredAt)).ToArray(), NpgsqlDbType.Timestamp),
                PostgresCommands.Array(changed.Select(s => s.Stability).ToArray(), NpgsqlDbType.Double)));
        }
        if (created.Count > 0)
        {
            batch.BatchCommands.Add(PostgresCommands.Command(InsertStatsSql,
                PostgresCommands.Array(created.Select(s => s.UserId).ToArray(), NpgsqlDbType.Integer),
                PostgresCommands.Array(created.Select(s => s.SkillId).ToArray(), NpgsqlDbType.Integer),
                PostgresCommands.Array(created.Select(s => s.MistakeCount).ToArray(), NpgsqlDbType.Integer),
                PostgresCommands.Array(created.Select(s => ToWall(s.LastMissedAt)).ToArray(), NpgsqlDbType.Timestamp),
                PostgresCommands.Array(created.Select(s => ToWall(s.LastMasteredAt)).ToArray(), NpgsqlDbType.Timestamp),
                PostgresCommands.Array(created.Select(s => s.Stability).ToArray(), NpgsqlDbType.Double)));
        }
    }

    private static void AddCards(NpgsqlBatch batch, List<LegacyReviewCardRow> created, IReadOnlyCollection<LegacyReviewCardRow> changed)
    {
        if (changed.Count > 0)
        {
            batch.BatchCommands.Add(PostgresCommands.Command(UpdateCardsSql,
                PostgresCommands.Array(changed.Select(c => c.Id).ToArray(), NpgsqlDbType.Integer),
                PostgresCommands.Array(changed.Select(c => c.Easiness).ToArray(), NpgsqlDbType.Double),
                PostgresCommands.Array(changed.Select(c => c.Stability).ToArray(), NpgsqlDbType.Double),
                PostgresCommands.Array(changed.Select(c => c.LastIntervalDays).ToArray(), NpgsqlDbType.Double),
                PostgresCommands.Array(changed.Select(c => ToWall(c.NextReviewAt)).ToArray(), NpgsqlDbType.Timestamp),
                PostgresCommands.Array(changed.Select(c => c.Status).ToArray(), NpgsqlDbType.Text),
                PostgresCommands.Array(changed.Select(c => c.LastResult).ToArray(), NpgsqlDbType.Boolean),
                PostgresCommands.Array(changed.Select(c => ToWall(c.UpdatedAt)).ToArray(), NpgsqlDbType.Timestamp)));
        }
        if (created.Count > 0)
        {
            batch.BatchCommands.Add(PostgresCommands.Command(InsertCardsSql,
                PostgresCommands.Array(created.Select(c => c.UserId).ToArray(), NpgsqlDbType.Integer),
                PostgresCommands.Array(created.Select(c => c.SkillId).ToArray(), NpgsqlDbType.Integer),
                PostgresCommands.Array(created.Select(c => c.TemplateCode).ToArray(), NpgsqlDbType.Text),
                PostgresCommands.Array(created.Select(c => c.Easiness).ToArray(), NpgsqlDbType.Double),
                PostgresCommands.Array(created.Select(c => c.Stability).ToArray(), NpgsqlDbType.Double),
                PostgresCommands.Array(created.Select(c => c.LastIntervalDays).ToArray(), NpgsqlDbType.Double),
                PostgresCommands.Array(created.Select(c => ToWall(c.NextReviewAt)).ToArray(), NpgsqlDbType.Timestamp),
                PostgresCommands.Array(created.Select(c => c.Status).ToArray(), NpgsqlDbType.Text),
                PostgresCommands.Array(created.Select(c => c.LastResult).ToArray(), NpgsqlDbType.Boolean),
                PostgresCommands.Array(created.Select(c => ToWall(c.UpdatedAt)).ToArray(), NpgsqlDbType.Timestamp)));
        }
    }

    // The legacy datetime columns hold UTC wall time as `timestamp without time zone` (LegacyConverters.UtcWallDateTime).
    private static DateTime ToWall(Instant value) => LegacyConverters.UtcWallDateTime.ConvertToProviderTyped(value);

    private static DateTime? ToWall(Instant? value) => value is { } v ? ToWall(v) : null;

    private static Instant Wall(DateTime value) => LegacyConverters.UtcWallDateTime.ConvertFromProviderTyped(value);

    private static Instant? NullableWall(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Wall(reader.GetDateTime(ordinal));

    private static int? NullableInt(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);
}
