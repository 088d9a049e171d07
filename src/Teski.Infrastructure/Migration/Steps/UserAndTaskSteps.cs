using System.Data.Common;
using NodaTime;
using Teski.Domain.Common;
using Teski.Infrastructure.Migration.Rules;
using Teski.Infrastructure.Migration.Sql;

namespace Teski.Infrastructure.Migration.Steps;

/// <summary>Legacy <c>user</c> → v2 <c>user</c> + <c>legacy_user_map</c>.</summary>
internal sealed class UsersStep : EntityStep
{
    public override string Entity => BackfillEntities.Users;
    public override TableSpec Table => V2Tables.User;
    public override string CountSql => "SELECT count(*) FROM \"user\"";
    public override string ProofTable => "legacy_user_map";
    public override Col[] VerifyTypes => [Col.Uuid, Col.Text, Col.Text, Col.Time];
    public override Col[] MatchTypes => [Col.Int];

    public override async Task<PlannedBatch> ReadBatchAsync(StepContext ctx, string? after, int size, CancellationToken ct)
    {
        var batch = new PlannedBatch();
        await using var cmd = KeysetCommand(ctx.Legacy, "id, external_user_id, email, display_name, created_at", "\"user\"", "id", after, size);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var id = L(r, 0)!.Value;
            var key = K(id);
            batch.Read++;
            batch.LastKey = key;
            var created = LegacyTime.ParseWallTime(O(r, 4), ctx.Zone);
            if (created.Value is not { } createdAt)
            {
                batch.Failed.Add(new(key, "created_at: " + (created.Error ?? "missing")));
                continue;
            }
            // The map row written by dual-write or an earlier run wins over the rule.
            var v2Id = MigrationRules.UserId(id, S(r, 1), ctx.Users.Mapped(id));
            var email = MigrationRules.CarriedEmail(S(r, 2));
            var row = new PlannedRow(key, [v2Id, createdAt, ctx.ZoneId, S(r, 3), email, 0L, null, false, true, false])
            {
                MatchKey = key,
            };
            row.VerifyValues = [v2Id, email, S(r, 3), createdAt];
            row.Companions.Add((V2Tables.UserMap, [id, v2Id]));
            batch.Rows.Add(row);
        }
        return batch;
    }

    public override string V2VerifySql(StepContext ctx, DbCommand cmd, PlannedBatch batch)
    {
        var filter = ctx.V2.InList(cmd, "m.legacy_user_id", "@keys", batch.Rows.Select(r => (object)long.Parse(r.Key, System.Globalization.CultureInfo.InvariantCulture)), Col.Int);
        return $"SELECT m.legacy_user_id, u.id, u.email, u.display_name, u.created_at FROM legacy_user_map m JOIN \"user\" u ON u.id = m.user_id WHERE {filter}";
    }
}

/// <summary>Legacy <c>task</c> → v2 <c>task</c> + <c>legacy_task_detail</c> + <c>legacy_task_map</c>; orphans are skipped and listed.</summary>
internal sealed class TasksStep : EntityStep
{
    public override string Entity => BackfillEntities.Tasks;
    public override TableSpec Table => V2Tables.Task;
    public override string CountSql => "SELECT count(*) FROM task";
    public override string ProofTable => "legacy_task_map";
    public override Col[] VerifyTypes => [Col.Uuid, Col.Uuid, Col.Text, Col.Text, Col.Time, Col.Json];
    public override Col[] MatchTypes => [Col.Text];

    public override async Task<PlannedBatch> ReadBatchAsync(StepContext ctx, string? after, int size, CancellationToken ct)
    {
        var batch = new PlannedBatch();
        // Task ids are free-form text: order them bytewise on both providers so the checkpoint means the same thing.
        var collate = ctx.Legacy.IsPostgres ? " COLLATE \"C\"" : "";
        var where = after is null ? "" : $" WHERE id{collate} > @after";
        var detailCols = string.Join(", ", MigrationRules.TaskDetailColumns);
        await using var cmd = ctx.Legacy.Cmd($"SELECT id, owner_user_id, title, course, due_iso, {detailCols} FROM task{where} ORDER BY id{collate} LIMIT @n");
        if (after is not null)
        {
            MigrationDb.Add(cmd, "@after", after);
        }
        MigrationDb.Add(cmd, "@n", size);
        var pending = new List<(string Key, Guid User, string? Title, string? Course, Instant? Due, string Detail)>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var key = r.GetString(0);
                batch.Read++;
                batch.LastKey = key;
                var owner = ctx.Users.Resolve(S(r, 1));
                if (!owner.Resolved)
                {
                    batch.Skipped.Add(new(key, "orphan: " + owner.OrphanReason));
                    continue;
                }
                if (ctx.Users.V2Id(owner.LegacyUserId!.Value, ctx.AllowUnmappedUsers) is not { } userId)
                {
                    batch.Skipped.Add(new(key, "orphan: owner user not migrated"));
                    continue;
                }
                var due = LegacyTime.ParseWallTime(O(r, 4), ctx.Zone);
                if (due.Value is null)
                {
                    batch.Failed.Add(new(key, "due_iso: " + (due.Error ?? "missing")));
                    continue;
                }
                var detail = new object?[MigrationRules.TaskDetailColumns.Length];
                for (var i = 0; i < detail.Length; i++)
                {
                    detail[i] = O(r, 5 + i);
                }
                pending.Add((key, userId, S(r, 2), S(r, 3), due.Value, MigrationRules.TaskDetail(detail)));
            }
        }
        var map = await TaskMapAsync(ctx, pending.Select(p => p.Key), ct);
        foreach (var p in pending)
        {
            // A task first written on the v2 side (mirrored to legacy as "v2-<hex>") keeps its v2 id through the map.
            var id = map.TryGetValue(p.Key, out var mapped) ? mapped : StableId.For("task", p.Key);
            // The legacy table has no creation time: created_at is the migration time (documented in docs/backfill.md).
            var row = new PlannedRow(p.Key, [id, p.User, p.Title ?? "", p.Course, p.Due, ctx.Now]) { MatchKey = p.Key };
            row.VerifyValues = [id, p.User, p.Title ?? "", p.Course, p.Due, p.Detail];
            row.Companions.Add((V2Tables.TaskDetail, [id, p.Detail]));
            row.Companions.Add((V2Tables.TaskMap, [p.Key, id]));
            batch.Rows.Add(row);
        }
        return batch;
    }

    public override string V2VerifySql(StepContext ctx, DbCommand cmd, PlannedBatch batch)
    {
        var filter = ctx.V2.InList(cmd, "m.legacy_task_id", "@keys", batch.Rows.Select(r => (object)r.Key), Col.Text);
        return "SELECT m.legacy_task_id, t.id, t.user_id, t.title, t.course, t.due_at, d.detail FROM legacy_task_map m " +
               $"JOIN task t ON t.id = m.task_id LEFT JOIN legacy_task_detail d ON d.task_id = t.id WHERE {filter}";
    }
}
