using System.Data.Common;
using NodaTime;
using Teski.Infrastructure.Migration.Rules;
using Teski.Infrastructure.Migration.Sql;

namespace Teski.Infrastructure.Migration.Steps;

/// <summary>
/// Recognises v2 rows the old dual-write bridge wrote with random ids (migration-rules.md, "Rows the old bridge
/// already wrote"): same user and same <paramref name="equalColumns"/>, time within the tolerance, a non-stable
/// (not v5) id, and not already linked to another legacy row. Each bridge row is adopted at most once, by the
/// legacy row closest in time; the link is written in the batch's transaction so a re-run sees it.
/// </summary>
internal static class Adoption
{
    public static async Task<HashSet<PlannedRow>> AdoptAsync(
        StepContext ctx, string entity, TableSpec table, IReadOnlyList<PlannedRow> rows,
        int userColumn, int timeColumn, int[] equalColumns, DbTransaction? tx, CancellationToken ct)
    {
        var adopted = new HashSet<PlannedRow>();
        var open = rows.Where(r => !r.Linked).ToList();
        if (open.Count == 0)
        {
            return adopted;
        }
        var existing = await ctx.V2.ExistingAsync(table.Name, "id", open.Select(r => r.Values[0]!), Col.Uuid, tx, ct);
        open = open.Where(r => !existing.Contains(MigrationDb.Canonical(r.Values[0], Col.Uuid))).ToList();
        if (open.Count == 0)
        {
            return adopted;
        }
        var cols = new[] { 0, userColumn, timeColumn }.Concat(equalColumns).ToArray();
        var candidates = new List<object?[]>();
        await using (var cmd = ctx.V2.Cmd("", tx))
        {
            // One window per legacy row (user, time ± tolerance), joined on the (user_id, time) index: the cost is
            // proportional to the batch, however scattered its times are and however many rows the bridge wrote.
            var t = MigrationDb.Quote(table.Columns[timeColumn]);
            var select = string.Join(", ", cols.Select(c => "m." + MigrationDb.Quote(table.Columns[c])));
            var windows = open.Select(r => (User: (Guid)r.Values[userColumn]!, At: (Instant)r.Values[timeColumn]!)).Distinct().ToList();
            if (ctx.V2.IsPostgres)
            {
                cmd.CommandText = $"SELECT DISTINCT {select} FROM unnest(@u::uuid[], @lo::timestamptz[], @hi::timestamptz[]) AS w(u, lo, hi) " +
                                  $"JOIN {MigrationDb.Quote(table.Name)} m ON m.user_id = w.u AND m.{t} >= w.lo AND m.{t} <= w.hi";
                cmd.Parameters.Add(new Npgsql.NpgsqlParameter("u", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = windows.Select(w => w.User.ToString("D")).ToArray() });
                cmd.Parameters.Add(new Npgsql.NpgsqlParameter("lo", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = windows.Select(w => MigrationDb.ToPgText(w.At - ctx.Tolerance, Col.Time)).ToArray() });
                cmd.Parameters.Add(new Npgsql.NpgsqlParameter("hi", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = windows.Select(w => MigrationDb.ToPgText(w.At + ctx.Tolerance, Col.Time)).ToArray() });
            }
            else
            {
                cmd.CommandText = $"SELECT DISTINCT {select} FROM json_each(@w) AS w " +
                                  $"JOIN {MigrationDb.Quote(table.Name)} m ON m.user_id = json_extract(w.value, '$[0]') " +
                                  $"AND m.{t} >= json_extract(w.value, '$[1]') AND m.{t} <= json_extract(w.value, '$[2]')";
                MigrationDb.Add(cmd, "@w", System.Text.Json.JsonSerializer.Serialize(windows.Select(w => new object?[]
                {
                    MigrationDb.ToSqlite(w.User, Col.Uuid), MigrationDb.ToSqlite(w.At - ctx.Tolerance, Col.Time), MigrationDb.ToSqlite(w.At + ctx.Tolerance, Col.Time),
                })));
            }
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var values = new object?[table.Columns.Length];
                for (var i = 0; i < cols.Length; i++)
                {
                    values[cols[i]] = MigrationDb.FromV2(r.GetValue(i), table.Types[cols[i]]);
                }
                if (!MigrationRules.IsStableId((Guid)values[0]!))
                {
                    candidates.Add(values);
                }
            }
        }
        if (candidates.Count == 0)
        {
            return adopted;
        }
        var linked = await ctx.V2.ExistingAsync("legacy_row_link", "v2_id", candidates.Select(c => c[0]!), Col.Uuid, tx, ct);
        candidates.RemoveAll(c => linked.Contains(MigrationDb.Canonical(c[0], Col.Uuid)));
        var used = new HashSet<Guid>();
        foreach (var row in open)
        {
            var when = (Instant)row.Values[timeColumn]!;
            object?[]? best = null;
            var bestGap = Duration.MaxValue;
            foreach (var c in candidates)
            {
                if (used.Contains((Guid)c[0]!) || !Same(row.Values[userColumn], c[userColumn], Col.Uuid))
                {
                    continue;
                }
                if (!equalColumns.All(i => Same(row.Values[i], c[i], table.Types[i])))
                {
                    continue;
                }
                var gap = (Instant)c[timeColumn]! - when;
                gap = gap < Duration.Zero ? -gap : gap;
                if (gap <= ctx.Tolerance && gap < bestGap)
                {
                    best = c;
                    bestGap = gap;
                }
            }
            if (best is not null)
            {
                var id = (Guid)best[0]!;
                used.Add(id);
                adopted.Add(row);
                row.Values[0] = id;
                row.Companions.Add((V2Tables.RowLink, [entity, row.Key, id]));
            }
        }
        return adopted;
    }

    private static bool Same(object? a, object? b, Col type) =>
        string.Equals(MigrationDb.Canonical(a, type), MigrationDb.Canonical(b, type), StringComparison.Ordinal);
}
