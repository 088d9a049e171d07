using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using Teski.Infrastructure.V2;

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

    /// <summary>
    /// The v2 tables exactly as <c>db migrate</c> creates them (the real EF migrations, via <see cref="V2StoreMigrator"/>),
    /// so the backfill is tested against the schema it will meet in production.
    /// </summary>
    public static async Task CreateV2Async(DbConnection conn)
    {
        var url = conn is NpgsqlConnection
            ? new Teski.Infrastructure.Persistence.DatabaseUrl(Teski.Infrastructure.Persistence.DatabaseProvider.Postgres, conn.ConnectionString)
            : new Teski.Infrastructure.Persistence.DatabaseUrl(Teski.Infrastructure.Persistence.DatabaseProvider.Sqlite,
                new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(conn.ConnectionString).ToString());
        await new V2StoreMigrator().MigrateAsync(url, CancellationToken.None);
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
