using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;
using Teski.Infrastructure.Migration.Sql;
using Teski.Infrastructure.Migration.Steps;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Migration;

public sealed record VerifyOptions
{
    public required DatabaseUrl LegacyUrl { get; init; }
    public required DatabaseUrl TargetUrl { get; init; }
    public int BatchSize { get; init; } = 5000;
    public IReadOnlySet<string>? Only { get; init; }
    public IClock Clock { get; init; } = SystemClock.Instance;
    public string LegacyTimeZone { get; init; } = Rules.LegacyTime.DefaultZoneId;
    public string DefaultPersona { get; init; } = Rules.MigrationRules.DefaultPersona;
    public IReadOnlyDictionary<string, string> XpReasonMap { get; init; } = new Dictionary<string, string>();

    /// <summary>How many differing keys each entity lists.</summary>
    public int ListedKeys { get; init; } = 10;
}

public sealed class EntityVerification
{
    public required string Entity { get; init; }

    /// <summary>Legacy rows expected in v2 (orphans and other explained exclusions left out).</summary>
    public long LegacyCount { get; set; }

    /// <summary>Of those, how many have their v2 counterpart (found through the maps / stable ids / links).</summary>
    public long V2Count { get; set; }

    /// <summary>SHA-256 over the canonical mapped fields of the expected rows, in legacy key order.</summary>
    public string LegacyChecksum { get; set; } = "";

    /// <summary>The same over the v2 rows found for them, in the same order.</summary>
    public string V2Checksum { get; set; } = "";

    public long Missing { get; set; }
    public long Different { get; set; }

    /// <summary>Legacy rows the migration could not carry (unparseable values): not explained, they fail the check.</summary>
    public long Unmigratable { get; set; }

    /// <summary>Legacy rows left out by rule (orphans, unknown users …), per reason: explained.</summary>
    public Dictionary<string, long> Excluded { get; } = new(StringComparer.Ordinal);

    public List<KeyedReason> Differences { get; } = [];

    public bool Passed => Missing == 0 && Different == 0 && Unmigratable == 0 && LegacyChecksum == V2Checksum;
}

public sealed class VerifyReport
{
    public List<EntityVerification> Entities { get; } = [];
    public bool Passed => Entities.All(e => e.Passed);
    public int ExitCode => Passed ? 0 : 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"entity",-10} {"legacy",10} {"v2",10} {"missing",8} {"differ",7} {"unmigr.",8} {"excluded",9}  checksum  result");
        foreach (var e in Entities)
        {
            var sum = e.LegacyChecksum == e.V2Checksum ? "equal   " : "DIFFERENT";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{e.Entity,-10} {e.LegacyCount,10} {e.V2Count,10} {e.Missing,8} {e.Different,7} {e.Unmigratable,8} {e.Excluded.Values.Sum(),9}  {sum} {(e.Passed ? "ok" : "FAIL")}");
        }
        foreach (var e in Entities)
        {
            foreach (var (reason, n) in e.Excluded.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"{e.Entity}: {n} excluded ({reason})");
            }
            foreach (var d in e.Differences)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"{e.Entity}: {d.Key}: {d.Reason}");
            }
        }
        sb.AppendLine(Passed ? "verify: PASSED" : "verify: FAILED");
        return sb.ToString();
    }
}

/// <summary>
/// Compares legacy and v2 entity by entity: each legacy batch is planned with the backfill's own rules (so
/// the expected v2 row is exactly what the backfill writes), its v2 counterparts are fetched by id / map /
/// (user, concept), and both sides' canonical row strings are hashed in legacy key order. Streams; memory
/// as for the backfill.
/// </summary>
public sealed class VerifyEngine
{
    public async Task<VerifyReport> RunAsync(VerifyOptions options, CancellationToken ct)
    {
        var selected = options.Only is { Count: > 0 } only ? only : new HashSet<string>(BackfillEntities.InOrder);
        var report = new VerifyReport();
        await using var legacy = await MigrationDb.OpenAsync(options.LegacyUrl, ct);
        await using var v2 = await MigrationDb.OpenAsync(options.TargetUrl, ct);
        // Expected ids are those the users step gives (map row, else the rule): a user missing from v2 then shows as missing.
        var ctx = await BackfillEngine.CreateContextAsync(legacy, v2, options.Clock.GetCurrentInstant(), options.LegacyTimeZone, options.DefaultPersona,
            options.XpReasonMap, Duration.FromSeconds(5), allowUnmapped: true, ct);
        foreach (var step in BackfillEngine.CreateSteps().Where(s => selected.Contains(s.Entity)))
        {
            report.Entities.Add(await VerifyStepAsync(ctx, step, options, ct));
        }
        return report;
    }

    private static async Task<EntityVerification> VerifyStepAsync(StepContext ctx, EntityStep step, VerifyOptions options, CancellationToken ct)
    {
        var result = new EntityVerification { Entity = step.Entity };
        await step.PrepareAsync(ctx, ct);
        using var legacyHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var v2Hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        string? after = null;
        while (true)
        {
            var batch = await step.ReadBatchAsync(ctx, after, options.BatchSize, ct);
            if (batch.LastKey is null)
            {
                break;
            }
            after = batch.LastKey;
            foreach (var s in batch.Skipped)
            {
                result.Excluded[s.Reason] = result.Excluded.GetValueOrDefault(s.Reason) + 1;
            }
            foreach (var f in batch.Failed)
            {
                result.Unmigratable++;
                Note(result, options, f.Key, "cannot be migrated: " + f.Reason);
            }
            if (batch.Rows.Count == 0)
            {
                continue;
            }
            var found = await FetchAsync(ctx, step, batch, ct);
            foreach (var row in batch.Rows)
            {
                result.LegacyCount++;
                var expected = CanonicalExpected(step, row);
                legacyHash.AppendData(Encoding.UTF8.GetBytes(expected + "\n"));
                if (!found.TryGetValue(row.MatchKey, out var actualValues))
                {
                    result.Missing++;
                    Note(result, options, row.Key, "missing in v2");
                    continue;
                }
                result.V2Count++;
                var actual = CanonicalActual(step, row, actualValues);
                v2Hash.AppendData(Encoding.UTF8.GetBytes(actual + "\n"));
                if (!string.Equals(expected, actual, StringComparison.Ordinal))
                {
                    result.Different++;
                    Note(result, options, row.Key, $"differs: legacy says [{expected}], v2 has [{actual}]");
                }
            }
        }
        result.LegacyChecksum = Convert.ToHexStringLower(legacyHash.GetHashAndReset());
        result.V2Checksum = Convert.ToHexStringLower(v2Hash.GetHashAndReset());
        return result;
    }

    private static void Note(EntityVerification result, VerifyOptions options, string key, string reason)
    {
        if (result.Differences.Count < options.ListedKeys)
        {
            result.Differences.Add(new KeyedReason(key, reason));
        }
    }

    private static string CanonicalExpected(EntityStep step, PlannedRow row) =>
        string.Join("|", row.VerifyValues.Select((v, i) => v is NotCompared ? "*" : MigrationDb.Canonical(v, step.VerifyTypes[i])));

    private static string CanonicalActual(EntityStep step, PlannedRow row, object?[] actual) =>
        string.Join("|", actual.Select((v, i) => row.VerifyValues[i] is NotCompared ? "*" : MigrationDb.Canonical(v, step.VerifyTypes[i])));

    private static async Task<Dictionary<string, object?[]>> FetchAsync(StepContext ctx, EntityStep step, PlannedBatch batch, CancellationToken ct)
    {
        var found = new Dictionary<string, object?[]>(StringComparer.Ordinal);
        await using var cmd = ctx.V2.Cmd("");
        cmd.CommandText = step.V2VerifySql(ctx, cmd, batch);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var k = step.MatchColumns;
        while (await r.ReadAsync(ct))
        {
            var key = string.Join(":", Enumerable.Range(0, k).Select(i => MigrationDb.Canonical(MigrationDb.FromV2(r.GetValue(i), step.MatchTypes[i]), step.MatchTypes[i])));
            var values = new object?[step.VerifyTypes.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = MigrationDb.FromV2(r.GetValue(k + i), step.VerifyTypes[i]);
            }
            found[key] = values;
        }
        return found;
    }
}
