using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using Teski.Infrastructure.Migration.Rules;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Migration.Sql;

/// <summary>The physical kinds a v2 column can have (docs/v2-physical-layout.md, "Types").</summary>
internal enum Col
{
    Uuid,
    Text,
    Json,
    Time,
    Int,
    Double,
    Bool,
}

internal sealed record TableSpec(string Name, string[] Columns, Col[] Types)
{
    public static TableSpec Of(string name, params (string Name, Col Type)[] cols) =>
        new(name, cols.Select(c => c.Name).ToArray(), cols.Select(c => c.Type).ToArray());
}

/// <summary>One open store (legacy or v2), SQLite or PostgreSQL, with the few dialect differences the engine needs.</summary>
internal sealed class MigrationDb : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _prepared = new(StringComparer.Ordinal);

    private MigrationDb(DatabaseProvider provider, DbConnection connection)
    {
        Provider = provider;
        Connection = connection;
    }

    public DatabaseProvider Provider { get; }
    public DbConnection Connection { get; }
    public bool IsPostgres => Provider == DatabaseProvider.Postgres;

    public static async Task<MigrationDb> OpenAsync(DatabaseUrl url, CancellationToken ct)
    {
        DbConnection conn = url.Provider == DatabaseProvider.Postgres
            ? new NpgsqlConnection(url.ConnectionString)
            : new SqliteConnection(url.ConnectionString);
        await conn.OpenAsync(ct);
        var db = new MigrationDb(url.Provider, conn);
        if (!db.IsPostgres)
        {
            // Writers on the other side (the running app) may hold the lock briefly.
            await db.ExecAsync("PRAGMA busy_timeout = 10000", null, ct);
        }
        return db;
    }

    public DbCommand Cmd(string sql, DbTransaction? tx = null)
    {
        var cmd = Connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        cmd.CommandTimeout = 0;
        return cmd;
    }

    public static void Add(DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
    }

    public async Task<int> ExecAsync(string sql, DbTransaction? tx, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Cmd(sql, tx);
        foreach (var (n, v) in args)
        {
            Add(cmd, n, v);
        }
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<object?> ScalarAsync(string sql, DbTransaction? tx, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Cmd(sql, tx);
        foreach (var (n, v) in args)
        {
            Add(cmd, n, v);
        }
        var r = await cmd.ExecuteScalarAsync(ct);
        return r is DBNull ? null : r;
    }

    public async Task<bool> TableExistsAsync(string table, CancellationToken ct)
    {
        var sql = IsPostgres
            ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @t"
            : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @t";
        return Convert.ToInt64(await ScalarAsync(sql, null, ct, ("@t", table)), CultureInfo.InvariantCulture) > 0;
    }

    public async Task<bool> ColumnExistsAsync(string table, string column, CancellationToken ct)
    {
        var sql = IsPostgres
            ? "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @t AND column_name = @c"
            : "SELECT count(*) FROM pragma_table_info(@t) WHERE name = @c";
        return Convert.ToInt64(await ScalarAsync(sql, null, ct, ("@t", table), ("@c", column)), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>
    /// An <c>IN</c> filter over a list of values without one parameter per value: <c>= ANY(@p)</c> on
    /// PostgreSQL, <c>IN (SELECT value FROM json_each(@p))</c> on SQLite.
    /// </summary>
    public string InList(DbCommand cmd, string column, string param, IEnumerable<object> values, Col type)
    {
        var list = values.Distinct().ToList();
        if (IsPostgres)
        {
            var p = new NpgsqlParameter(param, NpgsqlDbType.Array | NpgsqlDbType.Text)
            {
                Value = list.Select(v => ToPgText(v, type)).ToArray(),
            };
            cmd.Parameters.Add(p);
            var cast = PgCast(type);
            return $"{column} = ANY({param}{(cast.Length == 0 ? "::text" : cast)}[])";
        }
        Add(cmd, param, JsonSerializer.Serialize(list.Select(v => ToSqlite(v, type)).ToArray()));
        return $"{column} IN (SELECT value FROM json_each({param}))";
    }

    // ---- value conversion ---------------------------------------------------------------------

    public static string? ToPgText(object? v, Col type) => v switch
    {
        null => null,
        Guid g => g.ToString("D"),
        Instant i => LegacyTime.ToCanonical(i),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        int n => n.ToString(CultureInfo.InvariantCulture),
        string s => s,
        _ => Convert.ToString(v, CultureInfo.InvariantCulture),
    };

    public static object? ToSqlite(object? v, Col type) => v switch
    {
        null => null,
        Guid g => g.ToString("N"),
        Instant i => LegacyTime.ToV2Text(i),
        bool b => b ? 1L : 0L,
        int n => (long)n,
        _ => v,
    };

    /// <summary>Reads a v2 value back into the engine's types (Guid, Instant, string, long, double, bool).</summary>
    public static object? FromV2(object? raw, Col type)
    {
        if (raw is null or DBNull)
        {
            return null;
        }
        return type switch
        {
            Col.Uuid => raw is Guid g ? g : Guid.Parse((string)raw),
            Col.Time => raw switch
            {
                DateTime dt => Instant.FromDateTimeUtc(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
                DateTimeOffset dto => Instant.FromDateTimeOffset(dto),
                Instant i => i,
                _ => LegacyTime.ParseUtc(raw).Value ?? throw new FormatException($"bad v2 datetime '{raw}'"),
            },
            Col.Int => Convert.ToInt64(raw, CultureInfo.InvariantCulture),
            Col.Double => Convert.ToDouble(raw, CultureInfo.InvariantCulture),
            Col.Bool => raw is bool b ? b : Convert.ToInt64(raw, CultureInfo.InvariantCulture) != 0,
            _ => Convert.ToString(raw, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>A value's text in the canonical per-row strings the verifier hashes.</summary>
    public static string Canonical(object? v, Col type) => v switch
    {
        null => "\u2205",
        Guid g => g.ToString("D"),
        Instant i => LegacyTime.ToCanonical(LegacyTime.ToMicros(i)),
        bool b => b ? "1" : "0",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        int n => n.ToString(CultureInfo.InvariantCulture),
        string s when type == Col.Json => MigrationRules.CanonicalJson(s),
        string s => s,
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };

    // ---- batched insert-or-ignore -------------------------------------------------------------

    /// <summary>
    /// Inserts <paramref name="rows"/> into <paramref name="table"/>, ignoring rows whose key already exists
    /// (any unique constraint). Returns, per row, whether it was inserted. PostgreSQL: one statement per batch,
    /// each column passed as a text array and unnested (no parameter-count limit, one round trip);
    /// SQLite: one prepared <c>INSERT … ON CONFLICT DO NOTHING</c> per row inside the caller's transaction.
    /// </summary>
    public async Task<bool[]> InsertIgnoreAsync(TableSpec table, IReadOnlyList<object?[]> rows, DbTransaction tx, CancellationToken ct)
    {
        var inserted = new bool[rows.Count];
        if (rows.Count == 0)
        {
            return inserted;
        }
        var colList = string.Join(", ", table.Columns.Select(c => "\"" + c + "\""));
        if (IsPostgres && _staging.TryGetValue(table.Name, out var stage))
        {
            return await CopyInsertIgnoreAsync(table, stage, colList, rows, inserted, tx, ct);
        }
        if (IsPostgres)
        {
            var selects = new List<string>();
            var aliases = new List<string>();
            await using var cmd = Cmd("", tx);
            for (var c = 0; c < table.Columns.Length; c++)
            {
                aliases.Add("c" + c.ToString(CultureInfo.InvariantCulture));
                selects.Add("c" + c.ToString(CultureInfo.InvariantCulture) + PgCast(table.Types[c]));
                var values = new string?[rows.Count];
                for (var r = 0; r < rows.Count; r++)
                {
                    values[r] = ToPgText(rows[r][c], table.Types[c]);
                }
                cmd.Parameters.Add(new NpgsqlParameter("p" + c.ToString(CultureInfo.InvariantCulture), NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values });
            }
            var unnest = string.Join(", ", Enumerable.Range(0, table.Columns.Length).Select(c => "@p" + c.ToString(CultureInfo.InvariantCulture)));
            cmd.CommandText =
                $"INSERT INTO \"{table.Name}\" ({colList}) SELECT {string.Join(", ", selects)} FROM unnest({unnest}) AS x({string.Join(", ", aliases)}) " +
                $"ON CONFLICT DO NOTHING RETURNING \"{table.Columns[0]}\"::text";
            await MarkInsertedAsync(cmd, table, rows, inserted, ct);
            return inserted;
        }

        var key = "ins:" + table.Name;
        if (!_prepared.TryGetValue(key, out var prepared))
        {
            // ON CONFLICT DO NOTHING rather than INSERT OR IGNORE: OR IGNORE would also silently skip NOT NULL/CHECK
            // violations and report them as "already present"; this only skips uniqueness conflicts.
            prepared = Cmd($"INSERT INTO \"{table.Name}\" ({colList}) VALUES ({string.Join(", ", table.Columns.Select((_, i) => "@p" + i.ToString(CultureInfo.InvariantCulture)))}) ON CONFLICT DO NOTHING");
            for (var c = 0; c < table.Columns.Length; c++)
            {
                Add(prepared, "@p" + c.ToString(CultureInfo.InvariantCulture), null);
            }
            _prepared[key] = prepared;
        }
        prepared.Transaction = tx;
        for (var r = 0; r < rows.Count; r++)
        {
            for (var c = 0; c < table.Columns.Length; c++)
            {
                prepared.Parameters[c].Value = ToSqlite(rows[r][c], table.Types[c]) ?? DBNull.Value;
            }
            inserted[r] = await prepared.ExecuteNonQueryAsync(ct) > 0;
        }
        return inserted;
    }

    // ---- PostgreSQL: binary COPY into a staging table, then INSERT … SELECT … ON CONFLICT DO NOTHING ------------

    private readonly Dictionary<string, (string Name, NpgsqlDbType[] Types)> _staging = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates (outside any transaction, once per run) a session temp table per v2 table with exactly the backfill's
    /// columns and the target's column types (<c>CREATE TEMP TABLE … AS SELECT cols FROM target WITH NO DATA</c>:
    /// no constraints, no indexes), so <see cref="InsertIgnoreAsync"/> can stream each batch with binary COPY.
    /// Tables missing here keep the <c>unnest</c> path.
    /// </summary>
    public async Task PrepareStagingAsync(IEnumerable<TableSpec> tables, CancellationToken ct)
    {
        if (!IsPostgres)
        {
            return;
        }
        foreach (var t in tables)
        {
            if (_staging.ContainsKey(t.Name))
            {
                continue;
            }
            var stage = "backfill_stage_" + t.Name;
            var cols = string.Join(", ", t.Columns.Select(Quote));
            await ExecAsync($"DROP TABLE IF EXISTS pg_temp.{Quote(stage)}; CREATE TEMP TABLE {Quote(stage)} AS SELECT {cols} FROM {Quote(t.Name)} WITH NO DATA", null, ct);
            var types = new NpgsqlDbType[t.Columns.Length];
            await using (var cmd = Cmd("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a " +
                                       "WHERE a.attrelid = (SELECT oid FROM pg_class WHERE relname = @s AND relpersistence = 't' AND pg_table_is_visible(oid)) AND a.attnum > 0 AND NOT a.attisdropped"))
            {
                Add(cmd, "@s", stage);
                await using var r = await cmd.ExecuteReaderAsync(ct);
                var byName = new Dictionary<string, string>(StringComparer.Ordinal);
                while (await r.ReadAsync(ct))
                {
                    byName[r.GetString(0)] = r.GetString(1);
                }
                for (var i = 0; i < t.Columns.Length; i++)
                {
                    types[i] = PgWireType(byName[t.Columns[i]]);
                }
            }
            _staging[t.Name] = (stage, types);
        }
    }

    private static NpgsqlDbType PgWireType(string formatted)
    {
        var t = formatted.Split('(')[0];
        return t switch
        {
            "uuid" => NpgsqlDbType.Uuid,
            "text" => NpgsqlDbType.Text,
            "character varying" => NpgsqlDbType.Varchar,
            "character" => NpgsqlDbType.Char,
            "jsonb" => NpgsqlDbType.Jsonb,
            "json" => NpgsqlDbType.Json,
            "timestamp with time zone" => NpgsqlDbType.TimestampTz,
            "timestamp without time zone" => NpgsqlDbType.Timestamp,
            "bigint" => NpgsqlDbType.Bigint,
            "integer" => NpgsqlDbType.Integer,
            "smallint" => NpgsqlDbType.Smallint,
            "double precision" => NpgsqlDbType.Double,
            "real" => NpgsqlDbType.Real,
            "numeric" => NpgsqlDbType.Numeric,
            "boolean" => NpgsqlDbType.Boolean,
            _ => throw new NotSupportedException($"backfill staging: unsupported v2 column type '{formatted}'"),
        };
    }

    private static object PgWireValue(object v, NpgsqlDbType type) => type switch
    {
        NpgsqlDbType.Uuid => v is Guid g ? g : Guid.Parse(Convert.ToString(v, CultureInfo.InvariantCulture)!),
        NpgsqlDbType.TimestampTz => v is Instant i ? LegacyTime.ToMicros(i).ToDateTimeUtc() : v,
        NpgsqlDbType.Timestamp => v is Instant i ? DateTime.SpecifyKind(LegacyTime.ToMicros(i).ToDateTimeUtc(), DateTimeKind.Unspecified) : v,
        NpgsqlDbType.Bigint => Convert.ToInt64(v, CultureInfo.InvariantCulture),
        NpgsqlDbType.Integer => Convert.ToInt32(v, CultureInfo.InvariantCulture),
        NpgsqlDbType.Smallint => Convert.ToInt16(v, CultureInfo.InvariantCulture),
        NpgsqlDbType.Double => Convert.ToDouble(v, CultureInfo.InvariantCulture),
        NpgsqlDbType.Real => Convert.ToSingle(v, CultureInfo.InvariantCulture),
        NpgsqlDbType.Numeric => Convert.ToDecimal(v, CultureInfo.InvariantCulture),
        NpgsqlDbType.Boolean => v is bool b ? b : Convert.ToInt64(v, CultureInfo.InvariantCulture) != 0,
        _ => v is string s ? s : ToPgText(v, Col.Text)!,
    };

    /// <summary>Batches a table's direct COPY is not tried after it met an existing row (a re-run over migrated rows).</summary>
    internal const int DirectCopyBackoffBatches = 8;

    private readonly Dictionary<string, int> _directCopySkip = new(StringComparer.Ordinal);

    /// <summary>
    /// One batch. First, under a savepoint, a binary COPY straight into the target table: on a fresh target (a first
    /// backfill) every batch lands this way, at the speed of a plain COPY. If any row collides with an existing one
    /// (any unique constraint: a re-run, rows the mirror or the bridge wrote, a duplicate key inside the batch), the
    /// COPY fails as a whole, the savepoint undoes it, and the batch takes the insert-or-ignore path: binary COPY into
    /// the session's staging table, then one <c>INSERT INTO target SELECT … FROM stage ON CONFLICT DO NOTHING RETURNING
    /// key; TRUNCATE stage</c>. After such a collision the table's next <see cref="DirectCopyBackoffBatches"/> batches
    /// go straight to that path. Everything runs in the caller's transaction, so a rollback or a killed process leaves
    /// nothing behind.
    /// </summary>
    private async Task<bool[]> CopyInsertIgnoreAsync(TableSpec table, (string Name, NpgsqlDbType[] Types) stage, string colList,
        IReadOnlyList<object?[]> rows, bool[] inserted, DbTransaction tx, CancellationToken ct)
    {
        var skip = _directCopySkip.GetValueOrDefault(table.Name);
        if (skip > 0)
        {
            _directCopySkip[table.Name] = skip - 1;
        }
        else
        {
            await ExecAsync("SAVEPOINT backfill_direct_copy", tx, ct);
            try
            {
                await CopyRowsAsync(table.Name, stage.Types, colList, rows, ct);
                await ExecAsync("RELEASE SAVEPOINT backfill_direct_copy", tx, ct);
                Array.Fill(inserted, true);
                return inserted;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                await ExecAsync("ROLLBACK TO SAVEPOINT backfill_direct_copy", tx, ct);
                _directCopySkip[table.Name] = DirectCopyBackoffBatches;
            }
        }
        await CopyRowsAsync(stage.Name, stage.Types, colList, rows, ct);
        await using var cmd = Cmd($"INSERT INTO {Quote(table.Name)} ({colList}) SELECT {colList} FROM {Quote(stage.Name)} " +
                                  $"ON CONFLICT DO NOTHING RETURNING {Quote(table.Columns[0])}::text; TRUNCATE {Quote(stage.Name)}", tx);
        await MarkInsertedAsync(cmd, table, rows, inserted, ct);
        return inserted;
    }

    /// <summary>Streams <paramref name="rows"/> into <paramref name="into"/> with binary COPY (in the connection's transaction).</summary>
    private async Task CopyRowsAsync(string into, NpgsqlDbType[] types, string colList, IReadOnlyList<object?[]> rows, CancellationToken ct)
    {
        var npg = (NpgsqlConnection)Connection;
        await using var writer = await npg.BeginBinaryImportAsync($"COPY {Quote(into)} ({colList}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in rows)
        {
            await writer.StartRowAsync(ct);
            for (var c = 0; c < types.Length; c++)
            {
                if (row[c] is { } v)
                {
                    await writer.WriteAsync(PgWireValue(v, types[c]), types[c], ct);
                }
                else
                {
                    await writer.WriteNullAsync(ct);
                }
            }
        }
        await writer.CompleteAsync(ct);
    }

    /// <summary>Runs an <c>INSERT … RETURNING key::text</c> and marks which rows landed (duplicates in a batch: the first).</summary>
    private static async Task MarkInsertedAsync(DbCommand cmd, TableSpec table, IReadOnlyList<object?[]> rows, bool[] inserted, CancellationToken ct)
    {
        var byKey = new Dictionary<string, int>(rows.Count, StringComparer.Ordinal);
        for (var r = 0; r < rows.Count; r++)
        {
            byKey.TryAdd(ToPgText(rows[r][0], table.Types[0])!, r);
        }
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (byKey.TryGetValue(reader.GetString(0), out var idx))
            {
                inserted[idx] = true;
            }
        }
    }

    internal static string PgCast(Col t) => t switch
    {
        Col.Uuid => "::uuid",
        Col.Time => "::timestamptz",
        Col.Json => "::jsonb",
        Col.Int => "::bigint",
        Col.Double => "::double precision",
        Col.Bool => "::boolean",
        _ => "",
    };

    /// <summary>Which of <paramref name="values"/> exist in <paramref name="table"/>.<paramref name="column"/> (dry runs, verification).</summary>
    public async Task<HashSet<string>> ExistingAsync(string table, string column, IEnumerable<object> values, Col type, DbTransaction? tx, CancellationToken ct)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var cmd = Cmd("", tx);
        var filter = InList(cmd, "\"" + column + "\"", "@ids", values, type);
        cmd.CommandText = $"SELECT \"{column}\" FROM \"{table}\" WHERE {filter}";
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(Canonical(FromV2(reader.GetValue(0), type), type));
        }
        return found;
    }

    public static string Quote(string ident) => "\"" + ident + "\"";

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _prepared.Values)
        {
            await c.DisposeAsync();
        }
        await Connection.DisposeAsync();
    }
}
