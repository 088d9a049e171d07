using System.Data;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using NodaTime;
using NodaTime.Text;
using Npgsql;
using Teski.Infrastructure.Legacy;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.Stores;

namespace Teski.Infrastructure.Operations;

/// <summary>One store in a backup: where it came from (password removed), its file in the backup directory, and its row counts.</summary>
public sealed record BackupStoreEntry(string Provider, string Source, string File, SortedDictionary<string, long> Tables);

/// <summary><c>manifest.json</c> of a backup directory.</summary>
public sealed record BackupManifest(string CreatedAt, BackupStoreEntry Legacy, BackupStoreEntry V2)
{
    public const string FileName = "manifest.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static async Task<BackupManifest> ReadAsync(string directory, CancellationToken ct)
    {
        await using var stream = System.IO.File.OpenRead(Path.Combine(directory, FileName));
        return await JsonSerializer.DeserializeAsync<BackupManifest>(stream, Json, ct)
            ?? throw new InvalidOperationException($"{FileName} in {directory} is empty");
    }
}

/// <summary>
/// <c>db backup</c>: a consistent copy of both stores and a manifest of their row counts.
/// SQLite: the online backup API (a consistent page copy while the service keeps writing); the counts are read from
/// the copy. PostgreSQL: <c>pg_dump -Fc</c> run on a snapshot exported from a REPEATABLE READ transaction, and the
/// counts read in that same transaction, so dump and manifest describe the same instant even under traffic.
/// </summary>
public sealed class StoreBackup(StoreLocations locations, IClock clock)
{
    public async Task<BackupManifest> BackupAsync(string outDirectory, TextWriter progress, CancellationToken ct)
    {
        Directory.CreateDirectory(outDirectory);
        var createdAt = InstantPattern.ExtendedIso.Format(clock.GetCurrentInstant());
        await progress.WriteLineAsync($"backing up legacy store {Redact(locations.Legacy)}");
        var legacy = await BackupStoreAsync(locations.Legacy, outDirectory, "legacy", ct);
        await progress.WriteLineAsync($"backing up v2 store {Redact(locations.V2)}");
        var v2 = await BackupStoreAsync(locations.V2, outDirectory, "v2", ct);
        var manifest = new BackupManifest(createdAt, legacy, v2);
        await System.IO.File.WriteAllTextAsync(Path.Combine(outDirectory, BackupManifest.FileName), JsonSerializer.Serialize(manifest, BackupManifest.Json), ct);
        return manifest;
    }

    /// <summary>
    /// Restores each store of the backup into a scratch location (SQLite: a copy in a temp directory, checked with
    /// <c>PRAGMA integrity_check</c>; PostgreSQL: a temporary database on the source server, dropped afterwards) and
    /// compares its row counts with the manifest. Returns one line per problem; empty means the backup restores.
    /// </summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(string backupDirectory, TextWriter progress, CancellationToken ct)
    {
        var manifest = await BackupManifest.ReadAsync(backupDirectory, ct);
        var problems = new List<string>();
        foreach (var (name, entry, source) in new[] { ("legacy", manifest.Legacy, locations.Legacy), ("v2", manifest.V2, locations.V2) })
        {
            await progress.WriteLineAsync($"verifying {name} copy {entry.File}: restoring into a scratch location");
            try
            {
                var restored = await RestoreAndCountAsync(backupDirectory, entry, source, ct);
                foreach (var (table, expected) in entry.Tables)
                {
                    if (!restored.TryGetValue(table, out var actual))
                    {
                        problems.Add($"{name}.{table}: missing from the restored copy (manifest {expected} rows)");
                    }
                    else if (actual != expected)
                    {
                        problems.Add($"{name}.{table}: restored {actual} rows, manifest {expected}");
                    }
                }
                problems.AddRange(restored.Keys.Except(entry.Tables.Keys).Select(t => $"{name}.{t}: in the restored copy but not in the manifest"));
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or NpgsqlException or SqliteException)
            {
                problems.Add($"{name}: restore failed: {ex.Message}");
            }
        }
        return problems;
    }

    /// <summary>
    /// Restores one store of a backup into <paramref name="target"/>: SQLite copies the file there (it must not exist);
    /// PostgreSQL runs <c>pg_restore</c> into the existing (empty) database.
    /// </summary>
    public static async Task RestoreAsync(string backupDirectory, BackupStoreEntry entry, DatabaseUrl target, CancellationToken ct)
    {
        var file = Path.Combine(backupDirectory, entry.File);
        if (target.Provider == DatabaseProvider.Sqlite)
        {
            if (entry.Provider != "sqlite")
            {
                throw new InvalidOperationException($"{entry.File} is a {entry.Provider} backup; it cannot be restored into SQLite");
            }
            System.IO.File.Copy(file, target.SqlitePath!, overwrite: false);
            return;
        }
        if (entry.Provider != "postgresql")
        {
            throw new InvalidOperationException($"{entry.File} is a {entry.Provider} backup; it cannot be restored into PostgreSQL");
        }
        var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        await PostgresTools.RunAsync("pg_restore", builder, ["--no-owner", "--no-privileges", "--exit-on-error", "-d", builder.Database!, file], ct);
    }

    /// <summary>The URL as an operator would write it, without the password.</summary>
    public static string Redact(DatabaseUrl url)
    {
        if (url.Provider == DatabaseProvider.Sqlite)
        {
            return "sqlite:///" + url.SqlitePath;
        }
        var b = new NpgsqlConnectionStringBuilder(url.ConnectionString);
        var user = string.IsNullOrEmpty(b.Username) ? "" : Uri.EscapeDataString(b.Username) + "@";
        return $"postgresql://{user}{b.Host}:{b.Port}/{b.Database}";
    }

    private static async Task<BackupStoreEntry> BackupStoreAsync(DatabaseUrl url, string outDirectory, string name, CancellationToken ct)
    {
        if (url.Provider == DatabaseProvider.Sqlite)
        {
            var fileName = name + ".db";
            var destination = Path.Combine(outDirectory, fileName);
            if (System.IO.File.Exists(destination))
            {
                System.IO.File.Delete(destination);
            }
            await using (var source = new SqliteConnection(new SqliteConnectionStringBuilder(LegacySchema.SqliteConnectionString(url)) { Pooling = false }.ConnectionString))
            await using (var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Pooling = false }.ConnectionString))
            {
                await source.OpenAsync(ct);
                await copy.OpenAsync(ct);
                source.BackupDatabase(copy);
            }
            return new BackupStoreEntry("sqlite", Redact(url), fileName, await CountSqliteAsync(destination, ct));
        }

        var dumpName = name + ".dump";
        var builder = new NpgsqlConnectionStringBuilder(url.ConnectionString);
        await using var conn = new NpgsqlConnection(url.ConnectionString);
        await conn.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        string snapshot;
        await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", conn, tx))
        {
            snapshot = (string)(await export.ExecuteScalarAsync(ct))!;
        }
        var counts = await StoreTables.CountAsync(conn, DatabaseProvider.Postgres, tx, ct);
        await PostgresTools.RunAsync("pg_dump", builder, ["-Fc", "--no-owner", "--snapshot=" + snapshot, "-f", Path.Combine(outDirectory, dumpName)], ct);
        await tx.CommitAsync(ct);
        return new BackupStoreEntry("postgresql", Redact(url), dumpName, counts);
    }

    private static async Task<SortedDictionary<string, long>> CountSqliteAsync(string path, CancellationToken ct)
    {
        await using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ConnectionString);
        await conn.OpenAsync(ct);
        return await StoreTables.CountAsync(conn, DatabaseProvider.Sqlite, null, ct);
    }

    private static async Task<SortedDictionary<string, long>> RestoreAndCountAsync(string backupDirectory, BackupStoreEntry entry, DatabaseUrl source, CancellationToken ct)
    {
        if (entry.Provider == "sqlite")
        {
            var scratch = Path.Combine(Path.GetTempPath(), "teski-backup-verify-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(scratch);
            try
            {
                var path = Path.Combine(scratch, entry.File);
                await RestoreAsync(backupDirectory, entry, new DatabaseUrl(DatabaseProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = path }.ConnectionString), ct);
                await using (var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString))
                {
                    await conn.OpenAsync(ct);
                    await using var check = conn.CreateCommand();
                    check.CommandText = "PRAGMA integrity_check";
                    var result = (string?)await check.ExecuteScalarAsync(ct);
                    if (result != "ok")
                    {
                        throw new InvalidOperationException($"integrity_check: {result}");
                    }
                }
                return await CountSqliteAsync(path, ct);
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
        }

        // A temporary database on the server the backup came from, named after the source so an operator can tell
        // what it is if a crash leaves it behind.
        if (source.Provider != DatabaseProvider.Postgres)
        {
            throw new InvalidOperationException("a PostgreSQL backup can only be verified against a PostgreSQL server (the store is configured as SQLite now)");
        }
        var sourceBuilder = new NpgsqlConnectionStringBuilder(source.ConnectionString);
        var scratchName = $"{sourceBuilder.Database}_bkverify_{Guid.NewGuid():N}";
        scratchName = scratchName.Length > 63 ? scratchName[..30] + scratchName[^33..] : scratchName;
        var admin = new NpgsqlConnectionStringBuilder(source.ConnectionString) { Database = "postgres", Pooling = false };
        await ExecAdminAsync(admin, $"CREATE DATABASE {StoreTables.Quote(scratchName)}", ct);
        try
        {
            var scratch = new NpgsqlConnectionStringBuilder(source.ConnectionString) { Database = scratchName, Pooling = false };
            await RestoreAsync(backupDirectory, entry, new DatabaseUrl(DatabaseProvider.Postgres, scratch.ConnectionString), ct);
            await using var conn = new NpgsqlConnection(scratch.ConnectionString);
            await conn.OpenAsync(ct);
            return await StoreTables.CountAsync(conn, DatabaseProvider.Postgres, null, ct);
        }
        finally
        {
            await ExecAdminAsync(admin, $"DROP DATABASE IF EXISTS {StoreTables.Quote(scratchName)} WITH (FORCE)", CancellationToken.None);
        }
    }

    private static async Task ExecAdminAsync(NpgsqlConnectionStringBuilder admin, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(admin.ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
