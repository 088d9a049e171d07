using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Teski.Testing.Migration;

/// <summary>
/// Test-only DDL for the two stores while the real legacy mappings and v2 migrations are being written
/// elsewhere: legacy tables as legacy-schema.md describes them (SQLite as SQLAlchemy emits them; PostgreSQL
/// equivalents), v2 tables as docs/v2-physical-layout.md fixes them. Isolated on purpose: once merged, tests
/// switch to the real <c>db migrate</c>. Also linked into tools/LegacyGen.
/// </summary>
public static class SchemaForTests
{
    // Column kinds: I integer, S varchar, F float, B boolean, T datetime, J json, P integer primary key, K varchar primary key.
    private static readonly (string Table, (string Name, char Kind, bool Null)[] Cols, string[] Extra)[] Legacy =
    [
        ("user", [("id", 'P', false), ("external_user_id", 'S', true), ("email", 'S', false), ("display_name", 'S', true), ("hashed_password", 'S', false),
            ("role", 'S', false), ("created_at", 'T', false), ("onboarded", 'B', false), ("onboarded_at", 'T', true)],
            ["CREATE UNIQUE INDEX ix_user_email ON \"user\" (email)", "CREATE UNIQUE INDEX ix_user_external_user_id ON \"user\" (external_user_id)"]),
        ("task", [("id", 'K', false), ("source", 'S', false), ("title", 'S', false), ("course", 'S', true), ("link", 'S', true), ("due_iso", 'T', false),
            ("status", 'S', false), ("confidence", 'F', false), ("priority", 'I', false), ("notes", 'S', true), ("owner_user_id", 'S', true),
            ("task_type", 'S', true), ("estimated_minutes", 'I', true), ("suggested_start_utc", 'T', true), ("signals_json", 'S', true), ("completed_at", 'S', true)],
            ["CREATE INDEX ix_task_owner_user_id ON task (owner_user_id)"]),
        ("reminder", [("id", 'P', false), ("task_id", 'S', false), ("escalation", 'S', false), ("persona", 'S', false), ("created_at", 'T', false), ("script_hints", 'S', true)],
            ["CREATE INDEX ix_reminder_task_id ON reminder (task_id)"]),
        ("personas", [("id", 'P', false), ("code", 'S', false), ("display_name", 'S', false), ("config", 'J', false), ("created_at", 'T', false)],
            ["CREATE UNIQUE INDEX ix_personas_code ON personas (code)"]),
        ("mistake_logs", [("id", 'P', false), ("user_id", 'I', false), ("skill_id", 'I', true), ("template_code", 'S', true), ("instance_id", 'I', true),
            ("error_type", 'S', false), ("error_subtype", 'S', true), ("detail", 'J', true), ("weight", 'F', false), ("occurred_at", 'T', false), ("resolved_at", 'T', true)],
            ["CREATE INDEX ix_mistake_logs_user_id ON mistake_logs (user_id)"]),
        ("memory_stats", [("id", 'P', false), ("user_id", 'I', false), ("skill_id", 'I', true), ("mistake_count", 'I', false), ("last_missed_at", 'T', true),
            ("last_mastered_at", 'T', true), ("stability", 'F', false)], ["CREATE UNIQUE INDEX uq_memory_stats ON memory_stats (user_id, skill_id)"]),
        ("resurface_plans", [("id", 'P', false), ("user_id", 'I', false), ("skill_id", 'I', true), ("template_code", 'S', true), ("scheduled_for", 'T', false),
            ("status", 'S', false), ("created_at", 'T', false)], ["CREATE UNIQUE INDEX uq_resurface ON resurface_plans (user_id, template_code, scheduled_for)"]),
        ("review_cards", [("id", 'P', false), ("user_id", 'I', false), ("skill_id", 'I', true), ("template_code", 'S', true), ("easiness", 'F', false),
            ("stability", 'F', false), ("last_interval_days", 'F', false), ("next_review_at", 'T', false), ("status", 'S', false), ("last_result", 'B', true),
            ("updated_at", 'T', false)], ["CREATE UNIQUE INDEX uq_review_cards ON review_cards (user_id, template_code)", "CREATE INDEX ix_review_cards_user_id ON review_cards (user_id)"]),
        ("task_templates", [("id", 'P', false), ("code", 'S', false), ("title", 'S', false), ("skill_id", 'I', true)], ["CREATE UNIQUE INDEX ix_task_templates_code ON task_templates (code)"]),
        ("task_instances", [("id", 'P', false), ("template_id", 'I', false), ("user_id", 'I', false), ("seed", 'I', false), ("params", 'J', true),
            ("rendered_text", 'S', true), ("created_at", 'T', false)], []),
        ("task_attempts", [("id", 'P', false), ("instance_id", 'I', false), ("user_id", 'I', false), ("submitted_answer", 'J', true), ("is_correct", 'B', false),
            ("latency_ms", 'I', true), ("created_at", 'T', false)], []),
        ("leaderboard", [("id", 'P', false), ("name", 'S', false), ("course_id", 'S', true), ("join_code", 'S', false), ("created_at", 'T', false), ("creator_user_id", 'I', false)], []),
        ("leaderboardmember", [("id", 'P', false), ("leaderboard_id", 'I', false), ("user_id", 'I', false), ("joined_at", 'T', false), ("display_consent", 'B', false)], []),
        ("pointsevent", [("id", 'P', false), ("leaderboard_id", 'I', false), ("user_id", 'I', false), ("event_type", 'S', false), ("points", 'I', false),
            ("occurred_at", 'T', false), ("meta", 'J', true)], []),
        ("weeklyscore", [("id", 'P', false), ("leaderboard_id", 'I', false), ("user_id", 'I', false), ("week_year", 'I', false), ("week_number", 'I', false), ("points", 'I', false)], []),
        ("analytics_events", [("id", 'P', false), ("user_id", 'S', true), ("event_type", 'S', false), ("ts", 'T', false), ("meta", 'J', true)], []),
    ];

    /// <summary>Creates the legacy tables; <paramref name="withErrorSubtype"/> false mimics databases older than that column.</summary>
    public static async Task CreateLegacyAsync(DbConnection conn, bool withErrorSubtype = true, bool withRowLink = false)
    {
        var pg = conn is NpgsqlConnection;
        foreach (var (table, cols, extra) in Legacy)
        {
            var defs = cols.Where(c => withErrorSubtype || c.Name != "error_subtype").Select(c => $"\t{c.Name} {LegacyType(c.Kind, pg)}{(c.Null ? "" : " NOT NULL")}");
            var pk = cols.First(c => c.Kind is 'P' or 'K').Name;
            await ExecAsync(conn, $"CREATE TABLE \"{table}\" (\n{string.Join(", \n", defs)}, \n\tPRIMARY KEY ({pk})\n)");
            foreach (var e in extra)
            {
                await ExecAsync(conn, e);
            }
        }
        if (withRowLink)
        {
            // What the v2→legacy mirror creates in the legacy store (new table only).
            await ExecAsync(conn, "CREATE TABLE IF NOT EXISTS legacy_row_link (entity VARCHAR NOT NULL, legacy_id VARCHAR NOT NULL, v2_id " +
                                  (pg ? "uuid" : "CHAR(32)") + " NOT NULL, PRIMARY KEY (entity, legacy_id))");
        }
    }

    private static string LegacyType(char kind, bool pg) => kind switch
    {
        'P' => "INTEGER",
        'K' => "VARCHAR",
        'I' => "INTEGER",
        'S' => "VARCHAR",
        'F' => pg ? "double precision" : "FLOAT",
        'B' => "BOOLEAN",
        'T' => pg ? "timestamp without time zone" : "DATETIME",
        'J' => pg ? "json" : "JSON",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Inserts one legacy row. Values are given as SQLite would hold them (datetime text, JSON text, 0/1);
    /// on PostgreSQL each is cast to the column's type.
    /// </summary>
    public static async Task InsertLegacyAsync(DbConnection conn, DbTransaction? tx, string table, params (string Column, object? Value)[] values)
    {
        await using var cmd = LegacyInsertCommand(conn, table, values.Select(v => v.Column).ToArray());
        cmd.Transaction = tx;
        for (var i = 0; i < values.Length; i++)
        {
            cmd.Parameters[i].Value = ToParam(values[i].Value);
        }
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>A prepared-style insert for bulk generation; set <c>Parameters[i].Value</c> (via <see cref="ToParam"/>) and execute.</summary>
    public static DbCommand LegacyInsertCommand(DbConnection conn, string table, string[] columns)
    {
        var pg = conn is NpgsqlConnection;
        var cols = Legacy.Single(t => t.Table == table).Cols;
        var cmd = conn.CreateCommand();
        var ps = columns.Select((c, i) =>
        {
            var kind = cols.Single(x => x.Name == c).Kind;
            var p = "@p" + i.ToString(CultureInfo.InvariantCulture);
            return pg ? $"CAST(CAST({p} AS text) AS {PgCastType(kind)})" : p;
        });
        cmd.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns)}) VALUES ({string.Join(", ", ps)})";
        for (var i = 0; i < columns.Length; i++)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@p" + i.ToString(CultureInfo.InvariantCulture);
            p.Value = DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    public static object ToParam(object? v) => v switch
    {
        null => DBNull.Value,
        bool b => b ? 1L : 0L,
        _ => v,
    };

    private static string PgCastType(char kind) => kind switch
    {
        'P' or 'I' => "integer",
        'K' or 'S' => "varchar",
        'F' => "double precision",
        'B' => "boolean",
        'T' => "timestamp without time zone",
        'J' => "json",
        _ => "text",
    };

    /// <summary>The v2 tables and the ones this project adds, per docs/v2-physical-layout.md.</summary>
    public static async Task CreateV2Async(DbConnection conn)
    {
        var pg = conn is NpgsqlConnection;
        string U = pg ? "uuid" : "CHAR(32)", T = pg ? "timestamp with time zone" : "DATETIME", J = pg ? "jsonb" : "JSON",
            B = pg ? "boolean" : "BOOLEAN", F = pg ? "double precision" : "FLOAT", X = pg ? "text" : "TEXT", L = pg ? "bigint" : "BIGINT",
            tru = pg ? "true" : "1", fal = pg ? "false" : "0";
        string[] ddl =
        [
            $"CREATE TABLE \"user\" (id {U} NOT NULL PRIMARY KEY, created_at {T} NOT NULL, timezone VARCHAR NOT NULL DEFAULT 'UTC', display_name VARCHAR, email VARCHAR(255), " +
            $"streak_days INTEGER NOT NULL DEFAULT 0 CHECK (streak_days >= 0), last_streak_at {T}, persona VARCHAR, is_pro {B} NOT NULL DEFAULT {fal}, pro_until {T}, " +
            $"institution_id VARCHAR(36), analytics_consent {B} NOT NULL DEFAULT {tru}, is_institution_admin {B} NOT NULL DEFAULT {fal})",
            $"CREATE TABLE task (id {U} NOT NULL PRIMARY KEY, user_id {U} NOT NULL REFERENCES \"user\" (id), title VARCHAR NOT NULL, course VARCHAR, due_at {T} NOT NULL, created_at {T} NOT NULL)",
            $"CREATE TABLE memoryitem (id {U} NOT NULL PRIMARY KEY, user_id {U} NOT NULL REFERENCES \"user\" (id), task_id {U} REFERENCES task (id), concept VARCHAR NOT NULL, " +
            $"ease {F} NOT NULL DEFAULT 2.5, \"interval\" INTEGER NOT NULL DEFAULT 1 CHECK (\"interval\" >= 0), due_at {T} NOT NULL, stability {F} NOT NULL DEFAULT 0, " +
            $"difficulty {F} NOT NULL DEFAULT 0.3, lapses INTEGER NOT NULL DEFAULT 0 CHECK (lapses >= 0))",
            "CREATE UNIQUE INDEX ix_memoryitem_user_concept ON memoryitem (user_id, concept)",
            "CREATE INDEX ix_memoryitem_user_due ON memoryitem (user_id, due_at)",
            $"CREATE TABLE mistake (id {U} NOT NULL PRIMARY KEY, user_id {U} NOT NULL REFERENCES \"user\" (id), task_id {U} REFERENCES task (id), concept VARCHAR NOT NULL, " +
            $"subtype VARCHAR NOT NULL DEFAULT 'other', raw {X} NOT NULL, created_at {T} NOT NULL)",
            "CREATE INDEX ix_mistake_user_created ON mistake (user_id, created_at)",
            $"CREATE TABLE reviewlog (id {U} NOT NULL PRIMARY KEY, user_id {U} NOT NULL REFERENCES \"user\" (id), memory_id {U} NOT NULL REFERENCES memoryitem (id), " +
            $"grade INTEGER NOT NULL CHECK (grade BETWEEN 0 AND 5), scheduled_for {T} NOT NULL, reviewed_at {T} NOT NULL, next_due_at {T} NOT NULL, delta_seconds INTEGER NOT NULL)",
            "CREATE INDEX ix_reviewlog_user_reviewed ON reviewlog (user_id, reviewed_at)",
            "CREATE INDEX ix_reviewlog_memory_reviewed ON reviewlog (memory_id, reviewed_at)",
            $"CREATE TABLE personastate (id {U} NOT NULL PRIMARY KEY, user_id {U} NOT NULL REFERENCES \"user\" (id), persona VARCHAR NOT NULL, warmup_ts {T})",
            "CREATE UNIQUE INDEX ix_personastate_user ON personastate (user_id)",
            $"CREATE TABLE badge (id {U} NOT NULL PRIMARY KEY, user_id {U} NOT NULL REFERENCES \"user\" (id), kind VARCHAR NOT NULL, acquired_at {T} NOT NULL)",
            "CREATE UNIQUE INDEX ix_badge_user_kind ON badge (user_id, kind)",
            $"CREATE TABLE abtestassignment (id {U} NOT NULL PRIMARY KEY, user_id {U} NOT NULL REFERENCES \"user\" (id), experiment VARCHAR NOT NULL, bucket VARCHAR NOT NULL, assigned_at {T} NOT NULL)",
            "CREATE UNIQUE INDEX ix_ab_user_experiment ON abtestassignment (user_id, experiment)",
            $"CREATE TABLE analyticsevent (id {U} NOT NULL PRIMARY KEY, user_id {U} REFERENCES \"user\" (id), kind VARCHAR NOT NULL, payload {J} NOT NULL, ts {T} NOT NULL)",
            "CREATE INDEX ix_analyticsevent_user_ts ON analyticsevent (user_id, ts)",
            $"CREATE TABLE xpevent (id {U} NOT NULL PRIMARY KEY, user_id {U} NOT NULL REFERENCES \"user\" (id), amount INTEGER NOT NULL, reason VARCHAR NOT NULL, ts {T} NOT NULL)",
            "CREATE INDEX ix_xpevent_user_ts ON xpevent (user_id, ts)",
            $"CREATE TABLE legacy_user_map (legacy_user_id INTEGER NOT NULL PRIMARY KEY, user_id {U} NOT NULL REFERENCES \"user\" (id))",
            "CREATE INDEX ix_legacy_user_map_user ON legacy_user_map (user_id)",
            $"CREATE TABLE legacy_task_map (legacy_task_id VARCHAR NOT NULL PRIMARY KEY, task_id {U} NOT NULL REFERENCES task (id))",
            "CREATE INDEX ix_legacy_task_map_task ON legacy_task_map (task_id)",
            $"CREATE TABLE legacy_task_detail (task_id {U} NOT NULL PRIMARY KEY REFERENCES task (id), detail {J} NOT NULL)",
            $"CREATE TABLE legacy_row_link (entity VARCHAR NOT NULL, legacy_id VARCHAR NOT NULL, v2_id {U} NOT NULL, PRIMARY KEY (entity, legacy_id))",
            $"CREATE TABLE migration_checkpoint (entity VARCHAR NOT NULL PRIMARY KEY, last_legacy_id VARCHAR, rows_done {L} NOT NULL, completed {B} NOT NULL, updated_at {T} NOT NULL)",
            $"CREATE TABLE teski_mirror_backlog (id {U} NOT NULL PRIMARY KEY, seq {(pg ? "bigint GENERATED BY DEFAULT AS IDENTITY UNIQUE" : "INTEGER UNIQUE")}, stream VARCHAR NOT NULL, kind VARCHAR NOT NULL, " +
            $"payload {J} NOT NULL, created_at {T} NOT NULL, attempts INTEGER NOT NULL, next_attempt_at {T} NOT NULL, last_error VARCHAR, applied_at {T})",
            $"CREATE TABLE teski_mirror_applied (record_id {U} NOT NULL PRIMARY KEY, applied_at {T} NOT NULL)",
        ];
        foreach (var s in ddl)
        {
            await ExecAsync(conn, s);
        }
    }

    /// <summary>Opens a connection to a test store: SQLite file path or PostgreSQL connection string.</summary>
    public static async Task<DbConnection> OpenAsync(string connectionString)
    {
        DbConnection conn = connectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase)
            ? new NpgsqlConnection(connectionString)
            : new SqliteConnection(connectionString);
        await conn.OpenAsync();
        if (conn is SqliteConnection)
        {
            await ExecAsync(conn, "PRAGMA foreign_keys = ON");
        }
        return conn;
    }

    public static async Task ExecAsync(DbConnection conn, string sql)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }
}
