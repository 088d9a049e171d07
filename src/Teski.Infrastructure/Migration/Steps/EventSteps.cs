using System.Data.Common;
using NodaTime;
using Teski.Domain.Common;
using Teski.Infrastructure.Migration.Rules;
using Teski.Infrastructure.Migration.Sql;

namespace Teski.Infrastructure.Migration.Steps;

/// <summary>Shared shape of the steps whose rows the old bridge may have written already (mistakes, xp).</summary>
internal abstract class AdoptingStep : EntityStep
{
    protected abstract string LegacyTable { get; }
    protected abstract int UserColumn { get; }
    protected abstract int TimeColumn { get; }
    protected abstract int[] EqualColumns { get; }

    /// <summary>
    /// Set by <see cref="PrepareAsync"/>: when the target held no adoption candidate at step start, the highest legacy
    /// id that existed then minus <see cref="AlwaysProbeNewest"/> (rows up to it have no bridge row to adopt, so they
    /// skip the probes); null = probe every row.
    /// </summary>
    private long? _noCandidatesUpTo;

    private bool _noteWritten;

    /// <summary>How many of the newest legacy ids are probed even when the target had no candidate at step start.</summary>
    internal const long AlwaysProbeNewest = 10_000;

    public override async Task PrepareAsync(StepContext ctx, CancellationToken ct)
    {
        _noCandidatesUpTo = null;
        _noteWritten = false;
        // The legacy high-water mark first, then the candidate check: a legacy row that existed before the check and
        // whose bridge copy is already in v2 makes the check find that copy. Rows added to legacy after this read
        // (live traffic during the run) are probed as before.
        var max = await ctx.Legacy.ScalarAsync($"SELECT max(id) FROM {MigrationDb.Quote(LegacyTable)}", null, ct);
        if (max is null)
        {
            return;
        }
        // A candidate is a v2 row the adoption rule could pick: id not a v5 stable id, not linked to a legacy row.
        var id = ctx.V2.IsPostgres ? "m.id::text" : "m.id";
        var sql = $"SELECT 1 FROM {MigrationDb.Quote(Table.Name)} m WHERE lower(substr(replace({id}, '-', ''), 13, 1)) <> '5' " +
                  "AND NOT EXISTS (SELECT 1 FROM legacy_row_link l WHERE l.v2_id = m.id) LIMIT 1";
        if (await ctx.V2.ScalarAsync(sql, null, ct) is null)
        {
            // The newest legacy ids keep their probes (run at the end of the step, as before): a bridge copy lagging
            // its legacy row across the step start is still adopted.
            _noCandidatesUpTo = Math.Max(0, Convert.ToInt64(max, System.Globalization.CultureInfo.InvariantCulture) - AlwaysProbeNewest);
        }
    }

    /// <summary>The rows that need the adoption probes (all of them unless <see cref="PrepareAsync"/> found no candidate).</summary>
    private IReadOnlyList<PlannedRow> ToProbe(PlannedBatch batch, EntityReport report)
    {
        if (_noCandidatesUpTo is not { } upTo)
        {
            return batch.Rows;
        }
        if (!_noteWritten)
        {
            _noteWritten = true;
            report.Notes.Add($"no bridge-row candidates in v2 at step start: adoption probes only for legacy ids > {upTo} (the newest {AlwaysProbeNewest} and any added during the run)");
        }
        return batch.Rows.Where(r => long.Parse(r.Key, System.Globalization.CultureInfo.InvariantCulture) > upTo).ToList();
    }

    public override async Task WriteAsync(StepContext ctx, PlannedBatch batch, DbTransaction tx, EntityReport report, CancellationToken ct)
    {
        var adopted = await Adoption.AdoptAsync(ctx, LegacyTable, Table, ToProbe(batch, report), UserColumn, TimeColumn, EqualColumns, tx, ct);
        await InsertRowsAsync(ctx, batch.Rows.Where(r => !adopted.Contains(r)).ToList(), tx, report, ct);
        if (adopted.Count > 0)
        {
            await ctx.V2.InsertIgnoreAsync(V2Tables.RowLink, adopted.SelectMany(r => r.Companions).Where(c => c.Table == V2Tables.RowLink).Select(c => c.Values).ToList(), tx, ct);
            report.AlreadyPresent += adopted.Count;
            report.Adopted += adopted.Count;
        }
    }

    public override async Task DryRunAsync(StepContext ctx, PlannedBatch batch, EntityReport report, CancellationToken ct)
    {
        var adopted = await Adoption.AdoptAsync(ctx, LegacyTable, Table, ToProbe(batch, report), UserColumn, TimeColumn, EqualColumns, null, ct);
        report.Adopted += adopted.Count;
        report.AlreadyPresent += adopted.Count;
        var rest = new PlannedBatch();
        rest.Rows.AddRange(batch.Rows.Where(r => !adopted.Contains(r)));
        await base.DryRunAsync(ctx, rest, report, ct);
    }

    /// <summary>The id of a legacy row: an existing link (v2 side, then the legacy side's mirror links) wins over the stable id.</summary>
    protected static (Guid Id, bool Linked, bool FromLegacyStore) IdFor(string legacyTable, string key, (Dictionary<string, Guid> V2, Dictionary<string, Guid> Legacy) links)
    {
        if (links.V2.TryGetValue(key, out var v2))
        {
            return (v2, true, false);
        }
        if (links.Legacy.TryGetValue(key, out var legacy))
        {
            return (legacy, true, true);
        }
        return (StableId.For(legacyTable, key), false, false);
    }

    protected static object?[] VerifyWithTime(PlannedRow row, object?[] values, int timeIndexInVerify)
    {
        // An adopted row's time matches only within the tolerance: compare everything else.
        if (row.Linked)
        {
            values[timeIndexInVerify] = NotCompared.Instance;
        }
        return values;
    }

    public override string V2VerifySql(StepContext ctx, DbCommand cmd, PlannedBatch batch)
    {
        var filter = ctx.V2.InList(cmd, "id", "@ids", batch.Rows.Select(r => r.Values[0]!), Col.Uuid);
        return $"SELECT id, {string.Join(", ", Table.Columns.Select(MigrationDb.Quote))} FROM {MigrationDb.Quote(Table.Name)} WHERE {filter}";
    }

    public override Col[] VerifyTypes => Table.Types;
}

/// <summary>Legacy <c>mistake_logs</c> → v2 <c>mistake</c>.</summary>
internal sealed class MistakesStep : AdoptingStep
{
    public override string Entity => BackfillEntities.Mistakes;
    public override TableSpec Table => V2Tables.Mistake;
    public override string CountSql => "SELECT count(*) FROM mistake_logs";
    protected override string LegacyTable => "mistake_logs";
    protected override int UserColumn => 1;
    protected override int TimeColumn => 6;
    /// <summary><c>raw</c> is compared as JSON meaning: plain v2 text equals the <c>{"raw": text}</c> its legacy copy stores.</summary>
    public override Col[] VerifyTypes => [Col.Uuid, Col.Uuid, Col.Uuid, Col.Text, Col.Text, Col.Json, Col.Time];
    protected override int[] EqualColumns => [3, 5];

    public override async Task<PlannedBatch> ReadBatchAsync(StepContext ctx, string? after, int size, CancellationToken ct)
    {
        var batch = new PlannedBatch();
        // Older legacy databases lack error_subtype (legacy-schema.md): read NULL in its place.
        var subtype = ctx.LegacyHasErrorSubtype ? "error_subtype" : "NULL";
        var pending = new List<(string Key, Guid User, string? Code, MistakeValues M)>();
        await using (var cmd = KeysetCommand(ctx.Legacy, $"id, user_id, skill_id, template_code, error_type, {subtype}, detail, occurred_at", "mistake_logs", "id", after, size))
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
                var at = Utc(O(r, 7));
                if (at.Value is not { } occurred)
                {
                    batch.Failed.Add(new(key, "occurred_at: " + (at.Error ?? "missing")));
                    continue;
                }
                var code = S(r, 3);
                pending.Add((key, user, code, MigrationRules.Mistake(code, L(r, 2), S(r, 5), S(r, 4), O(r, 6), occurred)));
            }
        }
        var tasks = await CachedTaskMapAsync(ctx, pending.Where(p => !string.IsNullOrWhiteSpace(p.Code)).Select(p => p.Code!), ct);
        var links = await LinksAsync(ctx, LegacyTable, pending.Select(p => p.Key).ToList(), ct);
        foreach (var p in pending)
        {
            var (id, linked, fromLegacy) = IdFor(LegacyTable, p.Key, links);
            Guid? task = p.Code is not null && tasks.TryGetValue(p.Code, out var t) ? t : null;
            var row = new PlannedRow(p.Key, [id, p.User, task, p.M.Concept, p.M.Subtype, p.M.Raw, p.M.CreatedAt]) { Linked = linked, MatchKey = StableId.Canonical(id) };
            row.VerifyValues = VerifyWithTime(row, [id, p.User, task, p.M.Concept, p.M.Subtype, p.M.Raw, p.M.CreatedAt], 6);
            if (linked)
            {
                // A bridge row may carry another subtype or no task: the adoption rule matches user, concept, raw only.
                row.VerifyValues[2] = NotCompared.Instance;
                row.VerifyValues[4] = NotCompared.Instance;
            }
            if (fromLegacy)
            {
                row.Companions.Add((V2Tables.RowLink, [LegacyTable, p.Key, id]));
            }
            batch.Rows.Add(row);
        }
        return batch;
    }
}

/// <summary>Legacy <c>pointsevent</c> → v2 <c>xpevent</c>.</summary>
internal sealed class XpStep : AdoptingStep
{
    public override string Entity => BackfillEntities.Xp;
    public override TableSpec Table => V2Tables.XpEvent;
    public override string CountSql => "SELECT count(*) FROM pointsevent";
    protected override string LegacyTable => "pointsevent";
    protected override int UserColumn => 1;
    protected override int TimeColumn => 4;
    protected override int[] EqualColumns => [2, 3];

    public override async Task<PlannedBatch> ReadBatchAsync(StepContext ctx, string? after, int size, CancellationToken ct)
    {
        var batch = new PlannedBatch();
        var pending = new List<(string Key, Guid User, long Amount, string Reason, Instant Ts)>();
        await using (var cmd = KeysetCommand(ctx.Legacy, "id, user_id, event_type, points, occurred_at", "pointsevent", "id", after, size))
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
                var at = Utc(O(r, 4));
                if (at.Value is not { } ts)
                {
                    batch.Failed.Add(new(key, "occurred_at: " + (at.Error ?? "missing")));
                    continue;
                }
                pending.Add((key, user, L(r, 3) ?? 0, MigrationRules.XpReason(S(r, 2), ctx.XpReasonMap), ts));
            }
        }
        var links = await LinksAsync(ctx, LegacyTable, pending.Select(p => p.Key).ToList(), ct);
        foreach (var p in pending)
        {
            var (id, linked, fromLegacy) = IdFor(LegacyTable, p.Key, links);
            var row = new PlannedRow(p.Key, [id, p.User, p.Amount, p.Reason, p.Ts]) { Linked = linked, MatchKey = StableId.Canonical(id) };
            row.VerifyValues = VerifyWithTime(row, [id, p.User, p.Amount, p.Reason, p.Ts], 4);
            if (fromLegacy)
            {
                row.Companions.Add((V2Tables.RowLink, [LegacyTable, p.Key, id]));
            }
            batch.Rows.Add(row);
        }
        return batch;
    }
}

/// <summary>Legacy <c>analytics_events</c> → v2 <c>analyticsevent</c>; an unresolvable string user id keeps <c>user_id</c> NULL.</summary>
internal sealed class AnalyticsStep : EntityStep
{
    public override string Entity => BackfillEntities.Analytics;
    public override TableSpec Table => V2Tables.AnalyticsEvent;
    public override string CountSql => "SELECT count(*) FROM analytics_events";
    public override Col[] VerifyTypes => Table.Types;

    public override async Task<PlannedBatch> ReadBatchAsync(StepContext ctx, string? after, int size, CancellationToken ct)
    {
        var batch = new PlannedBatch();
        await using var cmd = KeysetCommand(ctx.Legacy, "id, user_id, event_type, ts, meta", "analytics_events", "id", after, size);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var key = K(L(r, 0)!.Value);
            batch.Read++;
            batch.LastKey = key;
            var at = Utc(O(r, 3));
            if (at.Value is not { } ts)
            {
                batch.Failed.Add(new(key, "ts: " + (at.Error ?? "missing")));
                continue;
            }
            var owner = ctx.Users.Resolve(S(r, 1));
            Guid? user = owner.Resolved ? ctx.Users.V2Id(owner.LegacyUserId!.Value, ctx.AllowUnmappedUsers) : null;
            var id = StableId.For("analytics_events", key);
            object?[] values = [id, user, S(r, 2) ?? "", MigrationRules.JsonText(O(r, 4)), ts];
            batch.Rows.Add(new PlannedRow(key, values) { MatchKey = StableId.Canonical(id), VerifyValues = (object?[])values.Clone() });
        }
        return batch;
    }

    public override string V2VerifySql(StepContext ctx, DbCommand cmd, PlannedBatch batch)
    {
        var filter = ctx.V2.InList(cmd, "id", "@ids", batch.Rows.Select(r => r.Values[0]!), Col.Uuid);
        return $"SELECT id, id, user_id, kind, payload, ts FROM analyticsevent WHERE {filter}";
    }
}
