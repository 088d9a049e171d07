using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.V2;

/// <summary>What <c>db migrate</c> did.</summary>
/// <param name="Adopted">True when this run adopted a database the previous stack created (its tables, no EF history).</param>
/// <param name="MigrationsApplied">Ids of the migrations this run executed, in order (a recorded-only baseline is not among them).</param>
/// <param name="TablesPresent">The tables in the store afterwards, sorted.</param>
public sealed record MigrationReport(bool Adopted, IReadOnlyList<string> MigrationsApplied, IReadOnlyList<string> TablesPresent);

/// <summary><c>db migrate</c> refused to touch the store; the message says why and what to do. Nothing was written.</summary>
public sealed class V2StoreMigrationException(string message) : Exception(message);

/// <summary>
/// Creates or upgrades the v2 store, adopting a database the previous stack made.
/// <para>
/// Adoption: the previous stack created its tables with SQLModel <c>create_all</c> and no migration history. When the
/// store has none of EF's history but does hold baseline tables, every table and column of migration 1
/// (<c>PreviousStackBaseline</c>) must be there (on PostgreSQL with the same types too); then the history is created
/// with the baseline recorded as applied, and the later migrations run as usual. A partial match is refused, naming
/// what is missing, rather than guessing which half to create.
/// </para>
/// <para>
/// Before a pending migration creates a UNIQUE index on a table that already holds rows, the rows are checked for
/// duplicates of the index's key; duplicates are refused (naming table, columns and counts) before anything is written,
/// so the store is never left half-migrated with an index that failed midway.
/// </para>
/// <para>
/// Concurrency: on PostgreSQL a session advisory lock serialises whole runs (detection, adoption, migration), so two
/// instances starting together do not race. On SQLite the adoption step runs in a write (IMMEDIATE) transaction that
/// re-checks for the history table, and EF's own migrations lock (<c>__EFMigrationsLock</c>) serialises the rest.
/// </para>
/// </summary>
public sealed class V2StoreMigrator
{
    private const string HistoryTable = "__EFMigrationsHistory";
    private const string BaselineName = "PreviousStackBaseline";

    // Arbitrary but fixed: every Teski instance must agree on it. Advisory locks are per database, so stores on one
    // server do not block each other.
    private const long AdvisoryLockKey = 0x7465_736B_6976_3201;

    public async Task<MigrationReport> MigrateAsync(DatabaseUrl url, CancellationToken ct)
    {
        if (url.Provider == DatabaseProvider.Sqlite)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(url.SqlitePath!));
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
            }
        }

        await using var advisoryLock = url.Provider == DatabaseProvider.Postgres
            ? await PostgresAdvisoryLock.AcquireAsync(url.ConnectionString, AdvisoryLockKey, ct)
            : null;

        await using var ctx = V2DbContextFactory.Create(url);
        var db = ctx.Database;
        var migrations = ctx.GetService<IMigrationsAssembly>();
        var baselineId = migrations.Migrations.Keys.Single(id => id.EndsWith("_" + BaselineName, StringComparison.Ordinal));

        var existing = await ReadColumnsAsync(ctx, ct);
        var historyExists = existing.ContainsKey(HistoryTable);
        var recorded = historyExists ? (await db.GetAppliedMigrationsAsync(ct)).ToList() : [];

        var adopt = false;
        if (!historyExists)
        {
            var baseline = CreatedTables(ctx, migrations, baselineId);
            if (baseline.Keys.Any(existing.ContainsKey))
            {
                EnsureCompleteBaseline(url.Provider, baseline, existing);
                adopt = true;
                recorded = [baselineId];
            }
        }

        var pending = migrations.Migrations.Keys.Except(recorded, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        await EnsureNoDuplicatesForUniqueIndexesAsync(ctx, migrations, pending, existing, ct);

        if (adopt)
        {
            await RecordBaselineAsync(ctx, baselineId, ct);
        }

        await db.MigrateAsync(ct);

        var after = await db.GetAppliedMigrationsAsync(ct);
        var applied = after.Where(pending.Contains).ToList();
        var tables = (await ReadColumnsAsync(ctx, ct)).Keys.Order(StringComparer.Ordinal).ToList();
        return new MigrationReport(adopt, applied, tables);
    }

    /// <summary>True when the store exists and has no pending migration (readiness). Connection failures propagate.</summary>
    public async Task<bool> IsUpToDateAsync(DatabaseUrl url, CancellationToken ct = default)
    {
        if (url.Provider == DatabaseProvider.Sqlite && !File.Exists(url.SqlitePath))
        {
            // Opening would create an empty file; a missing store is simply not ready.
            return false;
        }
        await using var ctx = V2DbContextFactory.Create(url);
        var pending = await ctx.Database.GetPendingMigrationsAsync(ct);
        return !pending.Any();
    }

    /// <summary>Table → column names → column type of the tables a migration creates.</summary>
    private static Dictionary<string, Dictionary<string, string?>> CreatedTables(DbContext ctx, IMigrationsAssembly migrations, string id)
    {
        var migration = migrations.CreateMigration(migrations.Migrations[id], ctx.Database.ProviderName!);
        return migration.UpOperations.OfType<CreateTableOperation>().ToDictionary(
            t => t.Name,
            t => t.Columns.ToDictionary(c => c.Name, c => c.ColumnType, StringComparer.OrdinalIgnoreCase),
            StringComparer.OrdinalIgnoreCase);
    }

    private static void EnsureCompleteBaseline(
        DatabaseProvider provider,
        Dictionary<string, Dictionary<string, string?>> baseline,
        Dictionary<string, Dictionary<string, string>> existing)
    {
        var problems = new List<string>();
        foreach (var (table, columns) in baseline.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!existing.TryGetValue(table, out var actual))
            {
                problems.Add($"table {table} is missing");
                continue;
            }
            foreach (var (column, type) in columns)
            {
                if (!actual.TryGetValue(column, out var actualType))
                {
                    problems.Add($"column {table}.{column} is missing");
                }
                else if (provider == DatabaseProvider.Postgres && type is not null && !SamePostgresType(type, actualType))
                {
                    // Only on PostgreSQL: its types carry meaning this mapping relies on (timestamptz, jsonb). SQLite's
                    // declared types are affinities and the previous stack's are the ones this mapping reads.
                    problems.Add($"column {table}.{column} is {actualType}, expected {type}");
                }
            }
        }
        if (problems.Count > 0)
        {
            throw new V2StoreMigrationException(
                "The v2 store holds some of the previous stack's tables but not the complete v2 schema, so it cannot be adopted: " +
                string.Join("; ", problems) +
                ". Nothing was changed. Restore the missing tables/columns (or point TESKI_ASYNC_DB_URL at the right database) and run db migrate again.");
        }
    }

    private static bool SamePostgresType(string expected, string actual)
    {
        static string Base(string t)
        {
            var paren = t.IndexOf('(', StringComparison.Ordinal);
            return (paren < 0 ? t : t[..paren]).Trim().ToLowerInvariant();
        }
        return Base(expected) == Base(actual);
    }

    /// <summary>
    /// Refuses when a UNIQUE index a pending migration creates on an existing table would fail on the rows already
    /// there (e.g. two memoryitem rows for one (user_id, concept), which the previous stack did not prevent).
    /// </summary>
    private static async Task EnsureNoDuplicatesForUniqueIndexesAsync(
        DbContext ctx,
        IMigrationsAssembly migrations,
        IReadOnlyList<string> pending,
        Dictionary<string, Dictionary<string, string>> existing,
        CancellationToken ct)
    {
        var sql = ctx.GetService<ISqlGenerationHelper>();
        var problems = new List<string>();
        foreach (var id in pending)
        {
            var migration = migrations.CreateMigration(migrations.Migrations[id], ctx.Database.ProviderName!);
            foreach (var index in migration.UpOperations.OfType<CreateIndexOperation>().Where(i => i.IsUnique && existing.ContainsKey(i.Table)))
            {
                var columns = string.Join(", ", index.Columns.Select(sql.DelimitIdentifier));
                var query =
                    $"SELECT COUNT(*), COALESCE(SUM(n), 0) FROM (SELECT COUNT(*) AS n FROM {sql.DelimitIdentifier(index.Table)} " +
                    $"GROUP BY {columns} HAVING COUNT(*) > 1) AS dup";
                var (groups, rows) = await ScalarPairAsync(ctx, query, ct);
                if (groups > 0)
                {
                    problems.Add(
                        $"table {index.Table} has {groups} ({string.Join(", ", index.Columns)}) value(s) held by more than one row " +
                        $"({rows} rows in all), so the unique index {index.Name} cannot be created");
                }
            }
        }
        if (problems.Count > 0)
        {
            throw new V2StoreMigrationException(
                "Refusing to migrate the v2 store: " + string.Join("; ", problems) +
                ". Nothing was changed. Merge or remove the duplicate rows, then run db migrate again.");
        }
    }

    private static async Task RecordBaselineAsync(DbContext ctx, string baselineId, CancellationToken ct)
    {
        var history = ctx.GetService<IHistoryRepository>();
        var productVersion = ctx.GetService<IDesignTimeModel>().Model.GetProductVersion() ?? "10.0.15";
        // SQLite: Microsoft.Data.Sqlite begins IMMEDIATE, so a concurrent adopter waits here and then sees the history.
        await using var tx = await ctx.Database.BeginTransactionAsync(ct);
        if (!await history.ExistsAsync(ct))
        {
            await ctx.Database.ExecuteSqlRawAsync(history.GetCreateIfNotExistsScript(), ct);
            await ctx.Database.ExecuteSqlRawAsync(history.GetInsertScript(new HistoryRow(baselineId, productVersion)), ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>Table → column name → declared/data type, for the tables the store holds now.</summary>
    private static async Task<Dictionary<string, Dictionary<string, string>>> ReadColumnsAsync(DbContext ctx, CancellationToken ct)
    {
        var query = ctx.Database.IsNpgsql()
            ? "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()"
            : "SELECT m.name, p.name, p.type FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'";
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        var conn = ctx.Database.GetDbConnection();
        await ctx.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = query;
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var table = reader.GetString(0);
                if (!result.TryGetValue(table, out var columns))
                {
                    columns = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    result[table] = columns;
                }
                columns[reader.GetString(1)] = reader.GetString(2);
            }
        }
        finally
        {
            await ctx.Database.CloseConnectionAsync();
        }
        return result;
    }

    private static async Task<(long First, long Second)> ScalarPairAsync(DbContext ctx, string query, CancellationToken ct)
    {
        var conn = ctx.Database.GetDbConnection();
        await ctx.Database.OpenConnectionAsync(ct);
        try
        {
            await using DbCommand cmd = conn.CreateCommand();
            cmd.CommandText = query;
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            await ctx.Database.CloseConnectionAsync();
        }
    }

    /// <summary>A session-level <c>pg_advisory_lock</c> held on its own connection until disposed.</summary>
    private sealed class PostgresAdvisoryLock : IAsyncDisposable
    {
        private readonly NpgsqlConnection _conn;
        private readonly long _key;

        private PostgresAdvisoryLock(NpgsqlConnection conn, long key)
        {
            _conn = conn;
            _key = key;
        }

        public static async Task<PostgresAdvisoryLock> AcquireAsync(string connectionString, long key, CancellationToken ct)
        {
            // Not pooled: the lock belongs to the session, which must end with us even if the unlock is never sent.
            var b = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
            var conn = new NpgsqlConnection(b.ConnectionString);
            await conn.OpenAsync(ct);
            try
            {
                await using var cmd = new NpgsqlCommand("SELECT pg_advisory_lock(@k)", conn);
                cmd.Parameters.AddWithValue("k", key);
                cmd.CommandTimeout = 0;
                await cmd.ExecuteNonQueryAsync(ct);
            }
            catch
            {
                await conn.DisposeAsync();
                throw;
            }
            return new PostgresAdvisoryLock(conn, key);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock(@k)", _conn);
                cmd.Parameters.AddWithValue("k", _key);
                await cmd.ExecuteNonQueryAsync();
            }
            finally
            {
                await _conn.DisposeAsync();
            }
        }
    }
}
