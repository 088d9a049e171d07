using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Legacy;

/// <summary>
/// DDL for the legacy store. The legacy tables belong to the legacy app: they are created only in a database that
/// has none of them (a brand-new dev database), as SQLAlchemy would create them, and are never altered.
/// The project's own support tables are added with <c>CREATE TABLE IF NOT EXISTS</c>.
/// </summary>
public static class LegacySchema
{
    /// <summary>Every legacy table name, as stored.</summary>
    public static IReadOnlyList<string> LegacyTables => Array.ConvertAll(Tables, t => t.Name);

    /// <summary>The project's tables in the legacy store.</summary>
    public static IReadOnlyList<string> SupportTables { get; } = ["teski_mirror_backlog", "teski_mirror_applied", "legacy_row_link"];

    /// <summary>Creates all legacy tables when the database has none of them; returns whether it did.</summary>
    public static async Task<bool> CreateIfEmptyAsync(DatabaseUrl url, CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(url, ct);
        var existing = await ExistingTablesAsync(conn, url.Provider, ct);
        if (LegacyTables.Any(existing.Contains))
        {
            return false;
        }
        await using var tx = await conn.BeginTransactionAsync(ct);
        foreach (var statement in LegacyDdl(url.Provider))
        {
            await ExecuteAsync(conn, tx, statement, ct);
        }
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Creates the support tables and their indexes if missing; safe to call on every start.</summary>
    public static async Task EnsureSupportTablesAsync(DatabaseUrl url, CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(url, ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        foreach (var statement in SupportDdl(url.Provider))
        {
            await ExecuteAsync(conn, tx, statement, ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>Whether <c>mistake_logs</c> has the later-added <c>error_subtype</c> column (false when the table is absent).</summary>
    public static async Task<bool> HasErrorSubtypeColumnAsync(DatabaseUrl url, CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(url, ct);
        return (await ColumnsAsync(conn, url.Provider, "mistake_logs", ct)).Contains("error_subtype");
    }

    /// <summary>
    /// The model flag for <see cref="LegacyDbContext"/>: whether <c>error_subtype</c> is mapped. A database without
    /// <c>mistake_logs</c> yet counts as having it, because <see cref="CreateIfEmptyAsync"/> creates it with the column.
    /// </summary>
    public static async Task<bool> DetectErrorSubtypeAsync(DatabaseUrl url, CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(url, ct);
        var columns = await ColumnsAsync(conn, url.Provider, "mistake_logs", ct);
        return columns.Count == 0 || columns.Contains("error_subtype");
    }

    /// <summary>The CREATE statements for the legacy tables and their indexes, in dependency order.</summary>
    public static IReadOnlyList<string> LegacyDdl(DatabaseProvider provider)
    {
        var statements = new List<string>();
        foreach (var table in Tables)
        {
            statements.Add(table.CreateTable(provider));
            statements.AddRange(table.CreateIndexes());
        }
        return statements;
    }

    /// <summary>The CREATE … IF NOT EXISTS statements for the support tables (types per docs/v2-physical-layout.md).</summary>
    public static IReadOnlyList<string> SupportDdl(DatabaseProvider provider) => provider == DatabaseProvider.Sqlite
        ?
        [
            // SQLite allows AUTOINCREMENT only on the INTEGER PRIMARY KEY, so there `seq` is the physical key and the
            // logical key `id` is UNIQUE NOT NULL. AUTOINCREMENT (not a plain rowid) so a seq is never reused after
            // the newest rows are deleted: seq is the mirror's ordering key.
            """
            CREATE TABLE IF NOT EXISTS teski_mirror_backlog (
                seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
                id CHAR(32) NOT NULL UNIQUE,
                stream VARCHAR NOT NULL,
                kind VARCHAR NOT NULL,
                payload JSON NOT NULL,
                created_at DATETIME NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at DATETIME NOT NULL,
                last_error VARCHAR,
                applied_at DATETIME
            )
            """,
            "CREATE INDEX IF NOT EXISTS ix_teski_mirror_backlog_stream_seq ON teski_mirror_backlog (stream, seq)",
            "CREATE INDEX IF NOT EXISTS ix_teski_mirror_backlog_pending ON teski_mirror_backlog (applied_at, next_attempt_at)",
            """
            CREATE TABLE IF NOT EXISTS teski_mirror_applied (
                record_id CHAR(32) NOT NULL PRIMARY KEY,
                applied_at DATETIME NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS ix_teski_mirror_applied_applied_at ON teski_mirror_applied (applied_at)",
            """
            CREATE TABLE IF NOT EXISTS legacy_row_link (
                entity VARCHAR NOT NULL,
                legacy_id VARCHAR NOT NULL,
                v2_id CHAR(32) NOT NULL,
                PRIMARY KEY (entity, legacy_id)
            )
            """,
            "CREATE INDEX IF NOT EXISTS ix_legacy_row_link_v2_id ON legacy_row_link (v2_id)",
        ]
        :
        [
            """
            CREATE TABLE IF NOT EXISTS teski_mirror_backlog (
                id uuid NOT NULL PRIMARY KEY,
                seq bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL UNIQUE,
                stream character varying NOT NULL,
                kind character varying NOT NULL,
                payload jsonb NOT NULL,
                created_at timestamp with time zone NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at timestamp with time zone NOT NULL,
                last_error text,
                applied_at timestamp with time zone
            )
            """,
            "CREATE INDEX IF NOT EXISTS ix_teski_mirror_backlog_stream_seq ON teski_mirror_backlog (stream, seq)",
            "CREATE INDEX IF NOT EXISTS ix_teski_mirror_backlog_pending ON teski_mirror_backlog (applied_at, next_attempt_at)",
            """
            CREATE TABLE IF NOT EXISTS teski_mirror_applied (
                record_id uuid NOT NULL PRIMARY KEY,
                applied_at timestamp with time zone NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS ix_teski_mirror_applied_applied_at ON teski_mirror_applied (applied_at)",
            """
            CREATE TABLE IF NOT EXISTS legacy_row_link (
                entity character varying NOT NULL,
                legacy_id character varying NOT NULL,
                v2_id uuid NOT NULL,
                PRIMARY KEY (entity, legacy_id)
            )
            """,
            "CREATE INDEX IF NOT EXISTS ix_legacy_row_link_v2_id ON legacy_row_link (v2_id)",
        ];

    /// <summary>Opens a raw ADO.NET connection to the store.</summary>
    public static async Task<DbConnection> OpenAsync(DatabaseUrl url, CancellationToken ct = default)
    {
        DbConnection conn = url.Provider == DatabaseProvider.Sqlite
            ? new SqliteConnection(SqliteConnectionString(url))
            : new NpgsqlConnection(url.ConnectionString);
        try
        {
            await conn.OpenAsync(ct);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The SQLite connection string with foreign-key enforcement off. Both EF and the bundled SQLite build turn it on
    /// by default; the legacy app (Python's sqlite3) never did, so legacy files may hold orphans (e.g. points of a
    /// deleted user) that must stay readable and writable, as they are for the legacy app.
    /// </summary>
    public static string SqliteConnectionString(DatabaseUrl url) =>
        new SqliteConnectionStringBuilder(url.ConnectionString) { ForeignKeys = false }.ConnectionString;

    internal static async Task<HashSet<string>> ExistingTablesAsync(DbConnection conn, DatabaseProvider provider, CancellationToken ct)
    {
        var sql = provider == DatabaseProvider.Sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table'"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()";
        return await ReadStringsAsync(conn, sql, null, ct);
    }

    internal static async Task<HashSet<string>> ColumnsAsync(DbConnection conn, DatabaseProvider provider, string table, CancellationToken ct)
    {
        var sql = provider == DatabaseProvider.Sqlite
            ? "SELECT name FROM pragma_table_info(@t)"
            : "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @t";
        return await ReadStringsAsync(conn, sql, table, ct);
    }

    private static async Task<HashSet<string>> ReadStringsAsync(DbConnection conn, string sql, string? table, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        if (table is not null)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "t";
            p.Value = table;
            cmd.Parameters.Add(p);
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }

    private static async Task ExecuteAsync(DbConnection conn, DbTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    // The legacy tables as the SQLModel models declare them: nullability, SQLAlchemy's ix_<table>_<column> index
    // names (UNIQUE where the model says unique=True) and the models' named unique constraints.
    private static readonly TableDef[] Tables =
    [
        new("user",
            [Pk(), Col("external_user_id", T.Str, true), Col("email", T.Str), Col("display_name", T.Str, true),
             Col("hashed_password", T.Str), Col("role", T.Str), Col("created_at", T.DateTime),
             Col("onboarded", T.Bool), Col("onboarded_at", T.DateTime, true)],
            Indexes: [Ix("email", unique: true), Ix("external_user_id", unique: true), Ix("role")]),
        new("task",
            [Col("id", T.StrPk), Col("source", T.Str), Col("title", T.Str), Col("course", T.Str, true), Col("link", T.Str, true),
             Col("due_iso", T.DateTime), Col("status", T.Str), Col("confidence", T.Float), Col("priority", T.Int),
             Col("notes", T.Str, true), Col("owner_user_id", T.Str, true), Col("task_type", T.Str, true),
             Col("estimated_minutes", T.Int, true), Col("suggested_start_utc", T.DateTime, true),
             Col("signals_json", T.Str, true), Col("completed_at", T.Str, true)],
            Indexes: [Ix("owner_user_id"), Ix("task_type")]),
        new("reminder",
            [Pk(), Col("task_id", T.Str), Col("escalation", T.Str), Col("persona", T.Str), Col("created_at", T.DateTime),
             Col("script_hints", T.Str, true)]),
        new("personas",
            [Pk(), Col("code", T.Str), Col("display_name", T.Str), Col("config", T.Json), Col("created_at", T.DateTime)],
            Uniques: [("uq_persona_code", ["code"])],
            Indexes: [Ix("code")]),
        new("mistake_logs",
            [Pk(), Col("user_id", T.Int), Col("skill_id", T.Int, true), Col("template_code", T.Str, true),
             Col("instance_id", T.Int, true), Col("error_type", T.Str), Col("error_subtype", T.Str, true),
             Col("detail", T.Json, true), Col("weight", T.Float), Col("occurred_at", T.DateTime),
             Col("resolved_at", T.DateTime, true)],
            Indexes: [Ix("user_id"), Ix("skill_id"), Ix("template_code"), Ix("instance_id"), Ix("error_type"),
                      Ix("occurred_at"), Ix("resolved_at")]),
        new("memory_stats",
            [Pk(), Col("user_id", T.Int), Col("skill_id", T.Int, true), Col("mistake_count", T.Int),
             Col("last_missed_at", T.DateTime, true), Col("last_mastered_at", T.DateTime, true), Col("stability", T.Float)],
            Uniques: [("uq_mem_user_skill", ["user_id", "skill_id"])],
            Indexes: [Ix("user_id"), Ix("skill_id")]),
        new("resurface_plans",
            [Pk(), Col("user_id", T.Int), Col("skill_id", T.Int, true), Col("template_code", T.Str, true),
             Col("scheduled_for", T.DateTime), Col("status", T.Str), Col("created_at", T.DateTime)],
            Uniques: [("uq_user_tpl_time", ["user_id", "template_code", "scheduled_for"])],
            Indexes: [Ix("user_id"), Ix("skill_id"), Ix("template_code"), Ix("scheduled_for"), Ix("status")]),
        new("review_cards",
            [Pk(), Col("user_id", T.Int), Col("skill_id", T.Int, true), Col("template_code", T.Str, true),
             Col("easiness", T.Float), Col("stability", T.Float), Col("last_interval_days", T.Float),
             Col("next_review_at", T.DateTime), Col("status", T.Str), Col("last_result", T.Bool, true),
             Col("updated_at", T.DateTime)],
            Uniques: [("uq_review_user_template", ["user_id", "template_code"])],
            Indexes: [Ix("user_id"), Ix("skill_id"), Ix("template_code"), Ix("next_review_at"), Ix("status")]),
        new("task_templates",
            [Pk(), Col("code", T.Str), Col("title", T.Str), Col("skill_id", T.Int), Col("task_type", T.Str),
             Col("text_template", T.Str), Col("parameters", T.Json, true), Col("constraints", T.Json, true),
             Col("answer_spec", T.Json, true), Col("created_at", T.DateTime)],
            Uniques: [("uq_task_template_code", ["code"])],
            Indexes: [Ix("code")]),
        new("task_instances",
            [Pk(), Col("template_id", T.Int), Col("user_id", T.Int), Col("seed", T.Str), Col("params", T.Json, true),
             Col("rendered_text", T.Str), Col("created_at", T.DateTime)],
            Uniques: [("uq_instance_template_user_seed", ["template_id", "user_id", "seed"])],
            Indexes: [Ix("template_id"), Ix("user_id"), Ix("seed")],
            ForeignKeys: [("template_id", "task_templates")]),
        new("task_attempts",
            [Pk(), Col("instance_id", T.Int), Col("user_id", T.Int), Col("submitted_answer", T.Json, true),
             Col("is_correct", T.Bool), Col("latency_ms", T.Int, true), Col("created_at", T.DateTime)],
            Indexes: [Ix("instance_id"), Ix("user_id"), Ix("is_correct")],
            ForeignKeys: [("instance_id", "task_instances")]),
        new("leaderboard",
            [Pk(), Col("name", T.Str), Col("course_id", T.Str, true), Col("join_code", T.Str), Col("created_at", T.DateTime),
             Col("creator_user_id", T.Int)],
            Indexes: [Ix("course_id"), Ix("join_code", unique: true)],
            ForeignKeys: [("creator_user_id", "user")]),
        new("leaderboardmember",
            [Pk(), Col("leaderboard_id", T.Int), Col("user_id", T.Int), Col("joined_at", T.DateTime), Col("display_consent", T.Bool)],
            Uniques: [("uq_leaderboard_member", ["leaderboard_id", "user_id"])],
            ForeignKeys: [("leaderboard_id", "leaderboard"), ("user_id", "user")]),
        new("pointsevent",
            [Pk(), Col("leaderboard_id", T.Int), Col("user_id", T.Int), Col("event_type", T.Str), Col("points", T.Int),
             Col("occurred_at", T.DateTime), Col("meta", T.Json, true)],
            ForeignKeys: [("leaderboard_id", "leaderboard"), ("user_id", "user")]),
        new("weeklyscore",
            [Pk(), Col("leaderboard_id", T.Int), Col("user_id", T.Int), Col("week_year", T.Int), Col("week_number", T.Int),
             Col("points", T.Int)],
            Uniques: [("uq_weekly_score", ["leaderboard_id", "user_id", "week_year", "week_number"])],
            ForeignKeys: [("leaderboard_id", "leaderboard"), ("user_id", "user")]),
        new("analytics_events",
            [Pk(), Col("user_id", T.Str), Col("event_type", T.Str), Col("ts", T.DateTime), Col("meta", T.Json, true)],
            Indexes: [Ix("user_id"), Ix("event_type"), Ix("ts")]),
    ];

    private enum T
    {
        IntPk,
        StrPk,
        Int,
        Str,
        Float,
        Bool,
        DateTime,
        Json,
    }

    private sealed record ColumnDef(string Name, T Type, bool Nullable);

    private sealed record IndexDef(string Column, bool Unique);

    private static ColumnDef Pk() => new("id", T.IntPk, false);

    private static ColumnDef Col(string name, T type, bool nullable = false) => new(name, type, nullable);

    private static IndexDef Ix(string column, bool unique = false) => new(column, unique);

    private sealed record TableDef(
        string Name,
        ColumnDef[] Columns,
        (string Name, string[] Columns)[]? Uniques = null,
        IndexDef[]? Indexes = null,
        (string Column, string Table)[]? ForeignKeys = null)
    {
        public string CreateTable(DatabaseProvider provider)
        {
            var sb = new StringBuilder().Append("CREATE TABLE ").Append(Q(Name)).Append(" (\n");
            var parts = new List<string>();
            foreach (var c in Columns)
            {
                parts.Add($"\t{c.Name} {TypeSql(c.Type, provider)}{(c.Type is T.IntPk or T.StrPk ? "" : c.Nullable ? "" : " NOT NULL")}");
            }
            foreach (var (name, cols) in Uniques ?? [])
            {
                parts.Add($"\tCONSTRAINT {name} UNIQUE ({string.Join(", ", cols)})");
            }
            foreach (var (col, table) in ForeignKeys ?? [])
            {
                parts.Add($"\tFOREIGN KEY({col}) REFERENCES {Q(table)} (id)");
            }
            return sb.Append(string.Join(",\n", parts)).Append("\n)").ToString();
        }

        public IEnumerable<string> CreateIndexes() => (Indexes ?? []).Select(ix =>
            $"CREATE {(ix.Unique ? "UNIQUE " : "")}INDEX ix_{Name}_{ix.Column} ON {Q(Name)} ({ix.Column})");

        // SQLAlchemy quotes only reserved words; of these tables that is "user".
        private static string Q(string table) => table == "user" ? "\"user\"" : table;

        private static string TypeSql(T type, DatabaseProvider provider) => (type, provider) switch
        {
            (T.IntPk, DatabaseProvider.Sqlite) => "INTEGER NOT NULL PRIMARY KEY",
            (T.IntPk, _) => "SERIAL NOT NULL PRIMARY KEY",
            (T.StrPk, _) => "VARCHAR NOT NULL PRIMARY KEY",
            (T.Int, _) => "INTEGER",
            (T.Str, _) => "VARCHAR",
            (T.Float, _) => "FLOAT",
            (T.Bool, _) => "BOOLEAN",
            (T.DateTime, DatabaseProvider.Sqlite) => "DATETIME",
            (T.DateTime, _) => "TIMESTAMP WITHOUT TIME ZONE",
            (T.Json, _) => "JSON",
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }
}
