using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using NodaTime;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Migration;

/// <summary>The entities the backfill migrates, in dependency order (<c>--only</c> names).</summary>
public static class BackfillEntities
{
    public const string Users = "users";
    public const string Tasks = "tasks";
    public const string Mistakes = "mistakes";
    public const string Memory = "memory";
    public const string Reviews = "reviews";
    public const string Xp = "xp";
    public const string Analytics = "analytics";
    public const string Personas = "personas";

    public static readonly IReadOnlyList<string> InOrder = [Users, Tasks, Mistakes, Memory, Reviews, Xp, Analytics, Personas];

    /// <summary>What each entity needs migrated first (its rows reference them).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Prerequisites = new Dictionary<string, string[]>
    {
        [Users] = [],
        [Tasks] = [Users],
        [Mistakes] = [Users, Tasks],
        [Memory] = [Users, Tasks],
        [Reviews] = [Users, Memory],
        [Xp] = [Users],
        [Analytics] = [Users],
        [Personas] = [Users],
    };

    /// <summary>Parses a <c>--only</c> list; unknown names throw <see cref="ArgumentException"/> (exit 2).</summary>
    public static IReadOnlySet<string> Parse(string? commaList)
    {
        if (string.IsNullOrWhiteSpace(commaList))
        {
            return new HashSet<string>(InOrder);
        }
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in commaList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = part.ToLowerInvariant();
            if (!InOrder.Contains(name))
            {
                throw new ArgumentException($"unknown entity '{part}' (expected some of {string.Join(',', InOrder)})", nameof(commaList));
            }
            set.Add(name);
        }
        return set;
    }
}

public sealed record BackfillOptions
{
    public required DatabaseUrl LegacyUrl { get; init; }
    public required DatabaseUrl TargetUrl { get; init; }

    /// <summary>Read and report only: nothing is written, not even checkpoints.</summary>
    public bool DryRun { get; init; }

    /// <summary>Legacy rows per batch (one transaction each, checkpoint included).</summary>
    public int BatchSize { get; init; } = 5000;

    /// <summary>Entities to run (all when null/empty); always run in dependency order.</summary>
    public IReadOnlySet<string>? Only { get; init; }

    public IClock Clock { get; init; } = SystemClock.Instance;

    /// <summary>The zone legacy "tz-aware" columns were written in, and the v2 users' timezone.</summary>
    public string LegacyTimeZone { get; init; } = Rules.LegacyTime.DefaultZoneId;

    /// <summary>The persona for users without a reminder (<c>PERSONA_DEFAULT</c>, lowercased).</summary>
    public string DefaultPersona { get; init; } = Rules.MigrationRules.DefaultPersona;

    /// <summary>Legacy <c>event_type</c> → v2 xp <c>reason</c>; identity for anything not listed.</summary>
    public IReadOnlyDictionary<string, string> XpReasonMap { get; init; } = new Dictionary<string, string>();

    /// <summary>How far a bridge-written v2 row's time may be from the legacy row's to count as the same row.</summary>
    public Duration AdoptionTolerance { get; init; } = Duration.FromSeconds(5);

    /// <summary>How many keys each report list keeps.</summary>
    public int ListedKeys { get; init; } = 20;

    /// <summary>
    /// PostgreSQL targets: stream each batch with binary COPY into a session staging table, then
    /// <c>INSERT … SELECT … ON CONFLICT DO NOTHING</c> (default); false uses one <c>INSERT … SELECT FROM unnest(text[])</c>
    /// per batch instead (kept for comparison, see docs/backfill.md). Ignored for SQLite.
    /// </summary>
    public bool PostgresBinaryCopy { get; init; } = true;

    /// <summary>
    /// PostgreSQL targets: read and plan the next batch (legacy reads, rules, lookups on a second v2 connection) while
    /// the current one is written (default). Batches still commit one at a time, in key order, with their checkpoint.
    /// </summary>
    public bool Pipeline { get; init; } = true;
}

/// <summary>A legacy entity whose prerequisite has not been migrated (no completed checkpoint and no rows). Exit 2.</summary>
public sealed class BackfillPrerequisiteException(string entity, string prerequisite)
    : Exception($"cannot backfill '{entity}': its prerequisite '{prerequisite}' has not been migrated yet (run the backfill with --only {prerequisite} first, or without --only)")
{
    public string Entity { get; } = entity;
    public string Prerequisite { get; } = prerequisite;
}

/// <summary>Progress of one entity. <paramref name="Total"/> is the legacy table's row count when known.</summary>
public sealed record BackfillProgress(string Entity, long Done, long? Total, double RowsPerSecond);

/// <summary>A key and why it was skipped or failed.</summary>
public sealed record KeyedReason(string Key, string Reason);

public sealed class EntityReport
{
    public required string Entity { get; init; }
    public long Read { get; set; }
    public long Inserted { get; set; }
    public long AlreadyPresent { get; set; }

    /// <summary>Of <see cref="AlreadyPresent"/>: bridge-written v2 rows recognised and linked instead of copied.</summary>
    public long Adopted { get; set; }

    public long Skipped => SkippedByReason.Values.Sum();
    public long Failed { get; set; }
    public Dictionary<string, long> SkippedByReason { get; } = new(StringComparer.Ordinal);
    public List<KeyedReason> SkippedKeys { get; } = [];
    public List<KeyedReason> FailedKeys { get; } = [];

    /// <summary>The checkpoint this run resumed after, if it did.</summary>
    public string? ResumedAfter { get; set; }

    public long RowsDoneBefore { get; set; }
    public double Seconds { get; set; }
    public List<string> Notes { get; } = [];

    internal void Skip(string key, string reason, int listed)
    {
        var seen = SkippedByReason.GetValueOrDefault(reason);
        SkippedByReason[reason] = seen + 1;
        // The first keys of every reason are listed, so a frequent reason cannot hide a rare one.
        if (seen < listed)
        {
            SkippedKeys.Add(new KeyedReason(key, reason));
        }
    }

    internal void Fail(string key, string reason, int listed)
    {
        Failed++;
        if (FailedKeys.Count < listed)
        {
            FailedKeys.Add(new KeyedReason(key, reason));
        }
    }
}

public sealed class BackfillReport
{
    public bool DryRun { get; init; }
    public List<EntityReport> Entities { get; } = [];

    [JsonIgnore]
    public bool HasFailures => Entities.Any(e => e.Failed > 0);

    /// <summary>0 when nothing failed, 1 otherwise (product-contract.md: a check that finds a problem exits 1).</summary>
    public int ExitCode => HasFailures ? 1 : 0;

    /// <summary>The per-entity table printed at the end of a run (plain text, fixed width).</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        var inserted = DryRun ? "would insert" : "inserted";
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"entity",-10} {"read",10} {inserted,12} {"present",10} {"adopted",8} {"skipped",9} {"failed",7} {"secs",7}");
        foreach (var e in Entities)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{e.Entity,-10} {e.Read,10} {e.Inserted,12} {e.AlreadyPresent,10} {e.Adopted,8} {e.Skipped,9} {e.Failed,7} {e.Seconds,7:0.0}");
        }
        foreach (var e in Entities)
        {
            if (e.ResumedAfter is not null)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"{e.Entity}: resumed after key {e.ResumedAfter} ({e.RowsDoneBefore} rows done by an earlier run)");
            }
            foreach (var (reason, count) in e.SkippedByReason.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                var keys = e.SkippedKeys.Where(k => k.Reason == reason).Select(k => k.Key).ToList();
                sb.AppendLine(CultureInfo.InvariantCulture, $"{e.Entity}: skipped {count} ({reason}): {string.Join(", ", keys)}{(count > keys.Count ? ", …" : "")}");
            }
            foreach (var f in e.FailedKeys)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"{e.Entity}: FAILED {f.Key}: {f.Reason}");
            }
            if (e.Failed > e.FailedKeys.Count)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"{e.Entity}: … and {e.Failed - e.FailedKeys.Count} more failures");
            }
            foreach (var n in e.Notes)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"{e.Entity}: {n}");
            }
        }
        if (DryRun)
        {
            sb.AppendLine("dry run: nothing was written");
        }
        return sb.ToString();
    }
}
