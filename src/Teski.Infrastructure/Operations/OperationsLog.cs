using System.Data.Common;
using NodaTime;
using NodaTime.Text;
using Teski.Infrastructure.Legacy;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.Stores;

namespace Teski.Infrastructure.Operations;

/// <summary>What the operator verbs record: a verify run, a backup, the legacy drop.</summary>
public static class OperationKinds
{
    public const string Verify = "verify";
    public const string Backup = "backup";
    public const string DropLegacy = "drop_legacy";
}

/// <param name="Stage">The rollout stage when it was recorded (<c>MigrationFlags.StageName</c>).</param>
/// <param name="Path">For a backup, the directory holding it and its <c>manifest.json</c>.</param>
public sealed record OperationRecord(string Kind, Instant At, bool Ok, string Stage, string Summary, string? Path);

/// <summary>
/// <c>teski_operations_log</c>: the last verify result, backups, the legacy drop. The table is the project's own, so
/// it is created with <c>CREATE TABLE IF NOT EXISTS</c> in <em>both</em> stores and every record is written to both:
/// the v2 copy outlives the legacy store, the legacy copy is what an operator rolling back still finds. A read takes the
/// newest record of a kind from whichever store answers.
/// </summary>
public sealed class OperationsLog(StoreLocations locations)
{
    private const string Ddl = """
        CREATE TABLE IF NOT EXISTS teski_operations_log (
            id VARCHAR(36) PRIMARY KEY,
            kind VARCHAR(32) NOT NULL,
            recorded_at VARCHAR(40) NOT NULL,
            ok INTEGER NOT NULL,
            stage VARCHAR(64) NOT NULL,
            summary TEXT NOT NULL,
            path TEXT NULL
        )
        """;

    /// <summary>Writes <paramref name="record"/> to both stores; returns the stores it could not reach (it throws only when neither took it).</summary>
    public async Task<IReadOnlyList<string>> RecordAsync(OperationRecord record, CancellationToken ct)
    {
        var id = Guid.NewGuid().ToString("D");
        var failures = new List<string>();
        foreach (var (name, url) in Stores())
        {
            try
            {
                await using var conn = await OpenAsync(url, ct);
                await using var cmd = conn.CreateCommand();
                cmd.CommandText = "INSERT INTO teski_operations_log (id, kind, recorded_at, ok, stage, summary, path) VALUES (@id, @kind, @at, @ok, @stage, @summary, @path)";
                Add(cmd, "id", id);
                Add(cmd, "kind", record.Kind);
                Add(cmd, "at", InstantPattern.ExtendedIso.Format(record.At));
                Add(cmd, "ok", record.Ok ? 1 : 0);
                Add(cmd, "stage", record.Stage);
                Add(cmd, "summary", record.Summary);
                Add(cmd, "path", record.Path);
                await cmd.ExecuteNonQueryAsync(ct);
            }
            catch (Exception ex) when (ex is DbException or InvalidOperationException)
            {
                failures.Add($"{name} store: {ex.Message}");
            }
        }
        if (failures.Count == 2)
        {
            throw new InvalidOperationException("the operations log could not be written to either store: " + string.Join("; ", failures));
        }
        return failures;
    }

    /// <summary>The newest record of <paramref name="kind"/> in either store, or null when there is none.</summary>
    public async Task<OperationRecord?> LatestAsync(string kind, CancellationToken ct)
    {
        OperationRecord? latest = null;
        foreach (var (_, url) in Stores())
        {
            try
            {
                await using var conn = await OpenAsync(url, ct);
                await using var cmd = conn.CreateCommand();
                cmd.CommandText = "SELECT recorded_at, ok, stage, summary, path FROM teski_operations_log WHERE kind = @kind";
                Add(cmd, "kind", kind);
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var parsed = InstantPattern.ExtendedIso.Parse(reader.GetString(0));
                    if (!parsed.Success)
                    {
                        continue;
                    }
                    var at = parsed.Value;
                    if (latest is null || at > latest.At)
                    {
                        latest = new OperationRecord(kind, at, Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) != 0,
                            reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4));
                    }
                }
            }
            catch (Exception ex) when (ex is DbException or InvalidOperationException)
            {
                // One store unreachable: the other's copy answers (both hold every record).
            }
        }
        return latest;
    }

    private IEnumerable<(string Name, DatabaseUrl Url)> Stores() => [("v2", locations.V2), ("legacy", locations.Legacy)];

    private static async Task<DbConnection> OpenAsync(DatabaseUrl url, CancellationToken ct)
    {
        var conn = await LegacySchema.OpenAsync(url, ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = Ddl;
        await cmd.ExecuteNonQueryAsync(ct);
        return conn;
    }

    private static void Add(DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
    }
}
