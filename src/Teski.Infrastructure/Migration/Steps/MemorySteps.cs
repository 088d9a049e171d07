using System.Data.Common;
using System.Globalization;
using NodaTime;
using Teski.Domain.Common;
using Teski.Infrastructure.Migration.Rules;
using Teski.Infrastructure.Migration.Sql;

namespace Teski.Infrastructure.Migration.Steps;

/// <summary>Steps that walk legacy users in key order and read each user's rows from other tables.</summary>
internal abstract class PerUserStep : EntityStep
{
    public override string CountSql => "SELECT count(*) FROM \"user\"";

    /// <summary>Users per batch: a user has several rows here, so a batch of <c>size</c> rows spans fewer users.</summary>
    protected virtual int UsersPerBatch(int size) => Math.Max(1, size / 10);

    protected static async Task<List<long>> NextUsersAsync(StepContext ctx, string? after, int count, CancellationToken ct)
    {
        var users = new List<long>();
        await using var cmd = KeysetCommand(ctx.Legacy, "id", "\"user\"", "id", after, count);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            users.Add(Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture));
        }
        return users;
    }
}

/// <summary>
/// One v2 <c>memoryitem</c> per (user, concept) seen in the user's <c>mistake_logs</c> or <c>review_cards</c>,
/// carrying the card's schedule when there is one. An existing item for (user, concept) wins (unique index).
/// </summary>
internal sealed class MemoryStep : PerUserStep
{
    public override string Entity => BackfillEntities.Memory;
    public override TableSpec Table => V2Tables.MemoryItem;

    // Schedules move with every review after the migration and an existing item wins, so the verifier compares
    // which (user, concept) items exist, not their schedule.
    public override Col[] VerifyTypes => [Col.Uuid, Col.Text];
    public override int MatchColumns => 2;
    public override Col[] MatchTypes => [Col.Uuid, Col.Text];

    private sealed record Card(long Id, double? Easiness, double? LastInterval, object? NextReview);

    public override async Task<PlannedBatch> ReadBatchAsync(StepContext ctx, string? after, int size, CancellationToken ct)
    {
        var batch = new PlannedBatch();
        var users = await NextUsersAsync(ctx, after, UsersPerBatch(size), ct);
        if (users.Count == 0)
        {
            return batch;
        }
        batch.LastKey = K(users[^1]);
        batch.Advanced = users.Count;
        var items = new SortedDictionary<(long User, string Concept), Card?>(Comparer<(long, string)>.Create((a, b) =>
            a.Item1 != b.Item1 ? a.Item1.CompareTo(b.Item1) : string.CompareOrdinal(a.Item2, b.Item2)));
        await using (var cmd = ctx.Legacy.Cmd("SELECT DISTINCT user_id, template_code, skill_id FROM mistake_logs WHERE user_id >= @lo AND user_id <= @hi"))
        {
            MigrationDb.Add(cmd, "@lo", users[0]);
            MigrationDb.Add(cmd, "@hi", users[^1]);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                items.TryAdd((L(r, 0)!.Value, MigrationRules.Concept(S(r, 1), L(r, 2))), null);
            }
        }
        await using (var cmd = ctx.Legacy.Cmd("SELECT id, user_id, template_code, skill_id, easiness, last_interval_days, next_review_at FROM review_cards WHERE user_id >= @lo AND user_id <= @hi ORDER BY id"))
        {
            MigrationDb.Add(cmd, "@lo", users[0]);
            MigrationDb.Add(cmd, "@hi", users[^1]);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                // Cards are unique per (user, template_code); cards without a code can share a skill concept: the newest card wins.
                items[(L(r, 1)!.Value, MigrationRules.Concept(S(r, 2), L(r, 3)))] = new Card(L(r, 0)!.Value, D(r, 4), D(r, 5), O(r, 6));
            }
        }
        batch.Read = items.Count;
        var tasks = await CachedTaskMapAsync(ctx, items.Keys.Select(k => k.Concept), ct);
        foreach (var ((legacyUser, concept), card) in items)
        {
            var key = K(legacyUser) + ":" + concept;
            if (ctx.Users.V2Id(legacyUser, ctx.AllowUnmappedUsers) is not { } user)
            {
                batch.Skipped.Add(new(key, "user not migrated"));
                continue;
            }
            MemorySchedule schedule;
            if (card is null)
            {
                schedule = MigrationRules.DefaultMemory(ctx.Now);
            }
            else
            {
                var next = Utc(card.NextReview);
                if (next.Error is not null)
                {
                    batch.Failed.Add(new(key, $"review_cards {card.Id} next_review_at: {next.Error}"));
                    continue;
                }
                schedule = MigrationRules.MemoryFromCard(card.Easiness, card.LastInterval, next.Value, ctx.Now);
            }
            Guid? task = tasks.TryGetValue(concept, out var t) ? t : null;
            var id = MigrationRules.MemoryItemId(user, concept);
            var row = new PlannedRow(key, [id, user, task, concept, schedule.Ease, (long)schedule.IntervalDays, schedule.DueAt, schedule.Stability, schedule.Difficulty, (long)schedule.Lapses])
            {
                MatchKey = StableId.Canonical(user) + ":" + concept,
                VerifyValues = [user, concept],
            };
            batch.Rows.Add(row);
        }
        return batch;
    }

    public override string V2VerifySql(StepContext ctx, DbCommand cmd, PlannedBatch batch)
    {
        var filter = ctx.V2.InList(cmd, "user_id", "@users", batch.Rows.Select(r => r.Values[1]!), Col.Uuid);
        return $"SELECT user_id, concept, user_id, concept FROM memoryitem WHERE {filter}";
    }
}

/// <summary>
/// Replays legacy <c>task_attempts</c> into v2 <c>reviewlog</c> (grade 5 correct, 2 not) for attempts whose
/// template code has a memory item for the user; each newly inserted failed review adds one lapse to its item,
/// in the same transaction, so re-runs and resumes never count a lapse twice.
/// </summary>
internal sealed class ReviewsStep : EntityStep
{
    public override string Entity => BackfillEntities.Reviews;
    public override TableSpec Table => V2Tables.ReviewLog;
    public override string CountSql => "SELECT count(*) FROM task_attempts";
    public override Col[] VerifyTypes => [Col.Uuid, Col.Uuid, Col.Uuid, Col.Int, Col.Time];

    public override async Task<PlannedBatch> ReadBatchAsync(StepContext ctx, string? after, int size, CancellationToken ct)
    {
        var batch = new PlannedBatch();
        var pending = new List<(string Key, long LegacyUser, Guid User, string Code, bool Correct, Instant At)>();
        await using (var cmd = KeysetCommand(ctx.Legacy,
            "a.id, a.user_id, a.is_correct, a.created_at, t.code",
            "task_attempts a LEFT JOIN task_instances i ON i.id = a.instance_id LEFT JOIN task_templates t ON t.id = i.template_id",
            "a.id", after, size))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var key = K(L(r, 0)!.Value);
                batch.Read++;
                batch.LastKey = key;
                if (L(r, 1) is not { } legacyUser || ctx.Users.V2Id(legacyUser, ctx.AllowUnmappedUsers) is not { } user)
                {
                    batch.Skipped.Add(new(key, "user not migrated"));
                    continue;
                }
                var code = S(r, 4);
                if (string.IsNullOrWhiteSpace(code))
                {
                    batch.Skipped.Add(new(key, "attempt has no template"));
                    continue;
                }
                if (B(r, 2) is not { } correct)
                {
                    batch.Skipped.Add(new(key, "attempt has no result"));
                    continue;
                }
                var at = Utc(O(r, 3));
                if (at.Value is not { } reviewedAt)
                {
                    batch.Failed.Add(new(key, "created_at: " + (at.Error ?? "missing")));
                    continue;
                }
                pending.Add((key, legacyUser, user, code, correct, reviewedAt));
            }
        }
        var items = await MemoryItemsAsync(ctx, pending.Select(p => p.User).Distinct().ToList(), ct);
        if (ctx.AllowUnmappedUsers)
        {
            // Dry run: the memory step may not have run yet; predict the items it would create.
            await AddPredictedItemsAsync(ctx, pending.Select(p => (p.LegacyUser, p.User)).Distinct().ToList(), items, ct);
        }
        foreach (var p in pending)
        {
            if (!items.TryGetValue((p.User, p.Code), out var memory))
            {
                batch.Skipped.Add(new(p.Key, "no memory item for the attempt's template"));
                continue;
            }
            var grade = MigrationRules.ReplayGrade(p.Correct);
            var (scheduled, next, delta) = MigrationRules.ReplaySchedule(p.At);
            var id = StableId.For("task_attempts", p.Key);
            batch.Rows.Add(new PlannedRow(p.Key, [id, p.User, memory, (long)grade, scheduled, p.At, next, (long)delta])
            {
                MatchKey = StableId.Canonical(id),
                VerifyValues = [id, p.User, memory, (long)grade, p.At],
            });
        }
        return batch;
    }

    private static async Task<Dictionary<(Guid, string), Guid>> MemoryItemsAsync(StepContext ctx, List<Guid> users, CancellationToken ct)
    {
        var items = new Dictionary<(Guid, string), Guid>();
        if (users.Count == 0)
        {
            return items;
        }
        await using var cmd = ctx.V2.Cmd("");
        var filter = ctx.V2.InList(cmd, "user_id", "@users", users.Cast<object>(), Col.Uuid);
        cmd.CommandText = $"SELECT id, user_id, concept FROM memoryitem WHERE {filter}";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            items[((Guid)MigrationDb.FromV2(r.GetValue(1), Col.Uuid)!, r.GetString(2))] = (Guid)MigrationDb.FromV2(r.GetValue(0), Col.Uuid)!;
        }
        return items;
    }

    private static async Task AddPredictedItemsAsync(StepContext ctx, List<(long Legacy, Guid User)> users, Dictionary<(Guid, string), Guid> items, CancellationToken ct)
    {
        foreach (var table in new[] { "mistake_logs", "review_cards" })
        {
            await using var cmd = ctx.Legacy.Cmd("");
            var filter = ctx.Legacy.InList(cmd, "user_id", "@users", users.Select(u => (object)u.Legacy), Col.Int);
            cmd.CommandText = $"SELECT DISTINCT user_id, template_code, skill_id FROM {table} WHERE {filter}";
            var byLegacy = users.ToDictionary(u => u.Legacy, u => u.User);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var user = byLegacy[L(r, 0)!.Value];
                var concept = MigrationRules.Concept(S(r, 1), L(r, 2));
                items.TryAdd((user, concept), MigrationRules.MemoryItemId(user, concept));
            }
        }
    }

    public override async Task WriteAsync(StepContext ctx, PlannedBatch batch, DbTransaction tx, EntityReport report, CancellationToken ct)
    {
        var inserted = await InsertRowsAsync(ctx, batch.Rows, tx, report, ct);
        var lapses = new Dictionary<Guid, long>();
        for (var i = 0; i < batch.Rows.Count; i++)
        {
            var v = batch.Rows[i].Values;
            if (inserted[i] && MigrationRules.IsLapse((int)(long)v[3]!))
            {
                var memory = (Guid)v[2]!;
                lapses[memory] = lapses.GetValueOrDefault(memory) + 1;
            }
        }
        if (lapses.Count == 0)
        {
            return;
        }
        if (ctx.V2.IsPostgres)
        {
            // One statement per batch: per-item round trips dominated the step.
            await using var cmd = ctx.V2.Cmd("UPDATE memoryitem m SET lapses = m.lapses + x.n FROM unnest(@ids::uuid[], @ns::int[]) AS x(id, n) WHERE m.id = x.id", tx);
            cmd.Parameters.Add(new Npgsql.NpgsqlParameter("ids", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = lapses.Keys.Select(k => k.ToString("D")).ToArray() });
            cmd.Parameters.Add(new Npgsql.NpgsqlParameter("ns", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = lapses.Values.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray() });
            await cmd.ExecuteNonQueryAsync(ct);
            return;
        }
        await using var update = ctx.V2.Cmd("UPDATE memoryitem SET lapses = lapses + @n WHERE id = @id", tx);
        MigrationDb.Add(update, "@n", null);
        MigrationDb.Add(update, "@id", null);
        foreach (var (memory, n) in lapses)
        {
            update.Parameters[0].Value = n;
            update.Parameters[1].Value = MigrationDb.ToSqlite(memory, Col.Uuid);
            await update.ExecuteNonQueryAsync(ct);
        }
    }

    public override string V2VerifySql(StepContext ctx, DbCommand cmd, PlannedBatch batch)
    {
        var filter = ctx.V2.InList(cmd, "id", "@ids", batch.Rows.Select(r => r.Values[0]!), Col.Uuid);
        return $"SELECT id, id, user_id, memory_id, grade, reviewed_at FROM reviewlog WHERE {filter}";
    }
}

/// <summary>
/// v2 <c>personastate</c> per migrated user, persona = that of the user's most recent legacy <c>reminder</c>
/// (through their tasks' owners) else the default; <c>user.persona</c> is set when still empty (an existing value wins).
/// </summary>
internal sealed class PersonasStep : PerUserStep
{
    private Dictionary<long, (Instant At, long Id, string? Persona)> _latest = [];

    public override string Entity => BackfillEntities.Personas;
    public override TableSpec Table => V2Tables.PersonaState;
    public override Col[] VerifyTypes => [Col.Uuid];
    protected override int UsersPerBatch(int size) => Math.Max(1, size);

    public override async Task PrepareAsync(StepContext ctx, CancellationToken ct)
    {
        // One pass over reminders keeping the newest per user: memory proportional to users, like the user directory.
        _latest = [];
        await using var cmd = ctx.Legacy.Cmd("SELECT r.id, r.persona, r.created_at, t.owner_user_id FROM reminder r JOIN task t ON t.id = r.task_id");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var owner = ctx.Users.Resolve(S(r, 3));
            if (!owner.Resolved)
            {
                continue;
            }
            // An unparseable reminder time ranks oldest; ties go to the later reminder id.
            var at = LegacyTime.ParseWallTime(O(r, 2), ctx.Zone).Value ?? Instant.MinValue;
            var id = L(r, 0)!.Value;
            var user = owner.LegacyUserId!.Value;
            if (!_latest.TryGetValue(user, out var cur) || at > cur.At || (at == cur.At && id > cur.Id))
            {
                _latest[user] = (at, id, S(r, 1));
            }
        }
    }

    public override async Task<PlannedBatch> ReadBatchAsync(StepContext ctx, string? after, int size, CancellationToken ct)
    {
        var batch = new PlannedBatch();
        var users = await NextUsersAsync(ctx, after, UsersPerBatch(size), ct);
        if (users.Count == 0)
        {
            return batch;
        }
        batch.LastKey = K(users[^1]);
        batch.Read = users.Count;
        foreach (var legacy in users)
        {
            var key = K(legacy);
            if (ctx.Users.V2Id(legacy, ctx.AllowUnmappedUsers) is not { } user)
            {
                batch.Skipped.Add(new(key, "user not migrated"));
                continue;
            }
            var persona = MigrationRules.Persona(_latest.TryGetValue(legacy, out var l) ? l.Persona : null, ctx.DefaultPersona);
            batch.Rows.Add(new PlannedRow(key, [MigrationRules.PersonaStateId(user), user, persona, null])
            {
                MatchKey = StableId.Canonical(user),
                VerifyValues = [user],
            });
        }
        return batch;
    }

    public override async Task WriteAsync(StepContext ctx, PlannedBatch batch, DbTransaction tx, EntityReport report, CancellationToken ct)
    {
        await InsertRowsAsync(ctx, batch.Rows, tx, report, ct);
        if (ctx.V2.IsPostgres)
        {
            await using var cmd = ctx.V2.Cmd("UPDATE \"user\" u SET persona = x.p FROM unnest(@ids::uuid[], @ps::text[]) AS x(id, p) WHERE u.id = x.id AND u.persona IS NULL", tx);
            cmd.Parameters.Add(new Npgsql.NpgsqlParameter("ids", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = batch.Rows.Select(r => ((Guid)r.Values[1]!).ToString("D")).ToArray() });
            cmd.Parameters.Add(new Npgsql.NpgsqlParameter("ps", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = batch.Rows.Select(r => (string)r.Values[2]!).ToArray() });
            await cmd.ExecuteNonQueryAsync(ct);
            return;
        }
        await using var update = ctx.V2.Cmd("UPDATE \"user\" SET persona = @p WHERE id = @id AND persona IS NULL", tx);
        MigrationDb.Add(update, "@p", null);
        MigrationDb.Add(update, "@id", null);
        foreach (var r in batch.Rows)
        {
            update.Parameters[0].Value = r.Values[2];
            update.Parameters[1].Value = MigrationDb.ToSqlite(r.Values[1], Col.Uuid);
            await update.ExecuteNonQueryAsync(ct);
        }
    }

    public override string V2VerifySql(StepContext ctx, DbCommand cmd, PlannedBatch batch)
    {
        var filter = ctx.V2.InList(cmd, "user_id", "@users", batch.Rows.Select(r => r.Values[1]!), Col.Uuid);
        return $"SELECT user_id, user_id FROM personastate WHERE {filter}";
    }
}
