using System.Data.Common;
using System.Globalization;
using NodaTime;
using Teski.Infrastructure.Migration.Rules;
using Teski.Infrastructure.Migration.Sql;

namespace Teski.Infrastructure.Migration.Steps;

/// <summary>What every step of one run shares.</summary>
internal sealed class StepContext
{
    public required MigrationDb Legacy { get; init; }
    public required MigrationDb V2 { get; init; }
    public required Instant Now { get; init; }
    public required DateTimeZone Zone { get; init; }
    public required string ZoneId { get; init; }
    public required string DefaultPersona { get; init; }
    public required IReadOnlyDictionary<string, string> XpReasonMap { get; init; }
    public required Duration Tolerance { get; init; }

    /// <summary>Dry runs and verification predict the ids users would get; real runs use only users actually mapped.</summary>
    public required bool AllowUnmappedUsers { get; init; }

    public UserDirectory Users { get; set; } = null!;

    /// <summary>
    /// legacy task id → v2 task id (null = not migrated) for the template codes / concepts later steps look up: a few
    /// hundred distinct values in practice, so one query per new value per run instead of one per batch. Bounded
    /// (<see cref="TaskLookupCacheLimit"/>, cleared when full); filled only after the tasks step, never by it.
    /// </summary>
    public Dictionary<string, Guid?> TaskLookups { get; init; } = new(StringComparer.Ordinal);

    public const int TaskLookupCacheLimit = 50_000;

    /// <summary>
    /// The same context over another v2 connection: the engine reads and plans the next batch on it while the
    /// current batch is written on <see cref="V2"/> (see <c>BackfillEngine</c>, "pipelining").
    /// </summary>
    public StepContext WithV2(MigrationDb v2) => new()
    {
        Legacy = Legacy,
        V2 = v2,
        Now = Now,
        Zone = Zone,
        ZoneId = ZoneId,
        DefaultPersona = DefaultPersona,
        XpReasonMap = XpReasonMap,
        Tolerance = Tolerance,
        AllowUnmappedUsers = AllowUnmappedUsers,
        Users = Users,
        LegacyHasErrorSubtype = LegacyHasErrorSubtype,
        LegacyHasRowLinks = LegacyHasRowLinks,
        TaskLookups = TaskLookups,
    };
    public bool LegacyHasErrorSubtype { get; set; }
    public bool LegacyHasRowLinks { get; set; }
}

/// <summary>A v2 row planned from one legacy row.</summary>
internal sealed class PlannedRow(string key, object?[] values)
{
    /// <summary>The legacy key (checkpoints and reports).</summary>
    public string Key { get; } = key;

    /// <summary>Values in the step's main <see cref="TableSpec"/> column order; the first is the v2 id.</summary>
    public object?[] Values { get; } = values;

    public List<(TableSpec Table, object?[] Values)> Companions { get; } = [];

    /// <summary>How the verifier finds this row's v2 counterpart (see <see cref="EntityStep.V2VerifySql"/>).</summary>
    public string MatchKey { get; set; } = "";

    /// <summary>The mapped fields the verifier compares, in <see cref="EntityStep.VerifyTypes"/> order.</summary>
    public object?[] VerifyValues { get; set; } = [];

    /// <summary>The id came from a <c>legacy_row_link</c> (adopted earlier or first written on the v2 side).</summary>
    public bool Linked { get; set; }
}

/// <summary>A verified column deliberately not compared for one row (e.g. an adopted row's time, equal only within tolerance).</summary>
internal sealed class NotCompared
{
    public static readonly NotCompared Instance = new();

    private NotCompared()
    {
    }
}

internal sealed class PlannedBatch
{
    public string? LastKey { get; set; }
    public int Read { get; set; }

    /// <summary>Source keys the batch moved past (progress); per-user steps count users, not rows.</summary>
    public int? Advanced { get; set; }

    public List<PlannedRow> Rows { get; } = [];
    public List<KeyedReason> Skipped { get; } = [];
    public List<KeyedReason> Failed { get; } = [];
}

/// <summary>
/// One entity of the backfill: how to read a batch of legacy rows after a key and turn them into v2 rows
/// (<see cref="ReadBatchAsync"/>, shared by backfill, dry run and verify), and how to write them.
/// </summary>
internal abstract class EntityStep
{
    public abstract string Entity { get; }
    public abstract TableSpec Table { get; }

    /// <summary>The legacy row count shown as the progress total.</summary>
    public abstract string CountSql { get; }

    /// <summary>A v2 table whose rows prove the entity was migrated by some earlier run (prerequisite check).</summary>
    public virtual string ProofTable => Table.Name;

    public virtual Task PrepareAsync(StepContext ctx, CancellationToken ct) => Task.CompletedTask;

    public abstract Task<PlannedBatch> ReadBatchAsync(StepContext ctx, string? after, int size, CancellationToken ct);

    /// <summary>Writes a batch inside <paramref name="tx"/>; the default inserts rows and companions, ignoring existing ones.</summary>
    public virtual async Task WriteAsync(StepContext ctx, PlannedBatch batch, DbTransaction tx, EntityReport report, CancellationToken ct)
    {
        await InsertRowsAsync(ctx, batch.Rows, tx, report, ct);
    }

    /// <summary>Counts what a batch would insert, writing nothing.</summary>
    public virtual async Task DryRunAsync(StepContext ctx, PlannedBatch batch, EntityReport report, CancellationToken ct)
    {
        var existing = await ctx.V2.ExistingAsync(Table.Name, Table.Columns[0], batch.Rows.Select(r => r.Values[0]!), Table.Types[0], null, ct);
        foreach (var r in batch.Rows)
        {
            if (existing.Contains(MigrationDb.Canonical(r.Values[0], Table.Types[0])))
            {
                report.AlreadyPresent++;
            }
            else
            {
                report.Inserted++;
            }
        }
    }

    protected async Task<bool[]> InsertRowsAsync(StepContext ctx, IReadOnlyList<PlannedRow> rows, DbTransaction tx, EntityReport report, CancellationToken ct)
    {
        var inserted = await ctx.V2.InsertIgnoreAsync(Table, rows.Select(r => r.Values).ToList(), tx, ct);
        var n = inserted.Count(b => b);
        report.Inserted += n;
        report.AlreadyPresent += rows.Count - n;
        foreach (var group in rows.SelectMany(r => r.Companions).GroupBy(c => c.Table))
        {
            await ctx.V2.InsertIgnoreAsync(group.Key, group.Select(g => g.Values).ToList(), tx, ct);
        }
        return inserted;
    }

    // ---- verification -----------------------------------------------------------------------

    /// <summary>The kinds of <see cref="PlannedRow.VerifyValues"/>.</summary>
    public abstract Col[] VerifyTypes { get; }

    /// <summary>How many leading columns of <see cref="V2VerifySql"/> form the match key (joined by ':').</summary>
    public virtual int MatchColumns => 1;

    /// <summary>
    /// SQL over the v2 store selecting, for the batch, the match-key columns then the verified columns.
    /// Adds its filter parameters to <paramref name="cmd"/>.
    /// </summary>
    public abstract string V2VerifySql(StepContext ctx, DbCommand cmd, PlannedBatch batch);

    /// <summary>Types of the match-key columns in <see cref="V2VerifySql"/>.</summary>
    public virtual Col[] MatchTypes => [Col.Uuid];

    public virtual Task FinishAsync(StepContext ctx, DbTransaction tx, EntityReport report, CancellationToken ct) => Task.CompletedTask;

    // ---- reading helpers ----------------------------------------------------------------------

    protected static long? L(DbDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
    protected static double? D(DbDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToDouble(r.GetValue(i), CultureInfo.InvariantCulture);
    protected static string? S(DbDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture);
    protected static object? O(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetValue(i);

    protected static bool? B(DbDataReader r, int i)
    {
        if (r.IsDBNull(i))
        {
            return null;
        }
        var v = r.GetValue(i);
        return v is bool b ? b : Convert.ToInt64(v, CultureInfo.InvariantCulture) != 0;
    }

    protected static string K(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>SELECT … WHERE id &gt; @after ORDER BY id LIMIT @n</c> over an integer-keyed legacy table.</summary>
    protected static DbCommand KeysetCommand(MigrationDb legacy, string select, string from, string idColumn, string? after, int size)
    {
        var where = after is null ? "" : $" WHERE {idColumn} > @after";
        var cmd = legacy.Cmd($"SELECT {select} FROM {from}{where} ORDER BY {idColumn} LIMIT @n");
        if (after is not null)
        {
            MigrationDb.Add(cmd, "@after", long.Parse(after, CultureInfo.InvariantCulture));
        }
        MigrationDb.Add(cmd, "@n", size);
        return cmd;
    }

    /// <summary>v2 <c>legacy_row_link</c> entries (and, when the legacy store has the table, the v2→legacy mirror's) for a batch of legacy keys.</summary>
    protected static async Task<(Dictionary<string, Guid> V2Links, Dictionary<string, Guid> LegacyLinks)> LinksAsync(
        StepContext ctx, string entity, IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        var v2 = await ReadLinksAsync(ctx.V2, entity, keys, ct);
        var legacy = ctx.LegacyHasRowLinks ? await ReadLinksAsync(ctx.Legacy, entity, keys, ct) : new Dictionary<string, Guid>();
        return (v2, legacy);
    }

    private static async Task<Dictionary<string, Guid>> ReadLinksAsync(MigrationDb db, string entity, IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        var links = new Dictionary<string, Guid>(StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            return links;
        }
        await using var cmd = db.Cmd("");
        var filter = db.InList(cmd, "legacy_id", "@keys", keys, Col.Text);
        MigrationDb.Add(cmd, "@e", entity);
        cmd.CommandText = $"SELECT legacy_id, v2_id FROM legacy_row_link WHERE entity = @e AND {filter}";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var v = MigrationDb.FromV2(r.GetValue(1), Col.Uuid);
            if (v is Guid g)
            {
                links[r.GetString(0)] = g;
            }
        }
        return links;
    }

    /// <summary>
    /// <see cref="TaskMapAsync"/> through the run's <see cref="StepContext.TaskLookups"/> cache (steps after tasks: a
    /// template code / concept names the same few tasks batch after batch).
    /// </summary>
    protected static async Task<Dictionary<string, Guid>> CachedTaskMapAsync(StepContext ctx, IEnumerable<string> legacyTaskIds, CancellationToken ct)
    {
        var map = new Dictionary<string, Guid>(StringComparer.Ordinal);
        var misses = new List<string>();
        foreach (var id in legacyTaskIds.Distinct(StringComparer.Ordinal))
        {
            if (ctx.TaskLookups.TryGetValue(id, out var hit))
            {
                if (hit is { } g)
                {
                    map[id] = g;
                }
            }
            else
            {
                misses.Add(id);
            }
        }
        if (misses.Count == 0)
        {
            return map;
        }
        var found = await TaskMapAsync(ctx, misses, ct);
        if (ctx.TaskLookups.Count + misses.Count > StepContext.TaskLookupCacheLimit)
        {
            ctx.TaskLookups.Clear();
        }
        foreach (var id in misses)
        {
            Guid? v = found.TryGetValue(id, out var g) ? g : null;
            ctx.TaskLookups[id] = v;
            if (v is { } t)
            {
                map[id] = t;
            }
        }
        return map;
    }

    /// <summary>v2 task ids for legacy task ids (through <c>legacy_task_map</c>: only tasks actually migrated).</summary>
    protected static async Task<Dictionary<string, Guid>> TaskMapAsync(StepContext ctx, IEnumerable<string> legacyTaskIds, CancellationToken ct)
    {
        var ids = legacyTaskIds.Distinct(StringComparer.Ordinal).ToList();
        var map = new Dictionary<string, Guid>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return map;
        }
        await using var cmd = ctx.V2.Cmd("");
        var filter = ctx.V2.InList(cmd, "legacy_task_id", "@ids", ids, Col.Text);
        cmd.CommandText = $"SELECT legacy_task_id, task_id FROM legacy_task_map WHERE {filter}";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            map[r.GetString(0)] = (Guid)MigrationDb.FromV2(r.GetValue(1), Col.Uuid)!;
        }
        return map;
    }

    protected static TimeParse Utc(object? v) => LegacyTime.ParseUtc(v);
}
