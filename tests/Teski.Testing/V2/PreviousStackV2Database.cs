using System.Globalization;
using Microsoft.Data.Sqlite;
using NodaTime;

namespace Teski.Testing.V2;

/// <summary>
/// A SQLite <c>teski_v2.db</c> exactly as the previous stack left it: the DDL SQLModel's <c>create_all</c> emitted
/// (CHAR(32) uuids, DATETIME text, its own <c>ix_&lt;table&gt;_&lt;column&gt;</c> indexes, no EF history), and
/// raw-SQL inserts that store values the way SQLAlchemy did (uuid.hex, <c>YYYY-MM-DD HH:MM:SS.ffffff</c>).
/// Written independently of the EF mapping on purpose, so tests can catch the mapping drifting from the real layout.
/// </summary>
public static class PreviousStackV2Database
{
    /// <summary>The previous stack's DDL (SQLAlchemy's SQLite dialect output, plus the user columns added later by Alembic).</summary>
    public const string Ddl = """
        CREATE TABLE "user" (
        	id CHAR(32) NOT NULL,
        	created_at DATETIME NOT NULL,
        	timezone VARCHAR NOT NULL,
        	display_name VARCHAR,
        	streak_days INTEGER NOT NULL,
        	last_streak_at DATETIME,
        	persona VARCHAR,
        	is_pro BOOLEAN NOT NULL,
        	pro_until DATETIME,
        	email VARCHAR(255),
        	institution_id VARCHAR(36),
        	analytics_consent BOOLEAN DEFAULT '1' NOT NULL,
        	is_institution_admin BOOLEAN DEFAULT '0' NOT NULL,
        	PRIMARY KEY (id)
        );
        CREATE INDEX ix_user_id ON "user" (id);
        CREATE INDEX ix_user_created_at ON "user" (created_at);
        CREATE INDEX ix_user_last_streak_at ON "user" (last_streak_at);
        CREATE INDEX ix_user_persona ON "user" (persona);
        CREATE INDEX ix_user_is_pro ON "user" (is_pro);
        CREATE INDEX ix_user_pro_until ON "user" (pro_until);
        CREATE TABLE task (
        	id CHAR(32) NOT NULL,
        	user_id CHAR(32) NOT NULL,
        	title VARCHAR NOT NULL,
        	course VARCHAR,
        	due_at DATETIME NOT NULL,
        	created_at DATETIME NOT NULL,
        	PRIMARY KEY (id),
        	FOREIGN KEY(user_id) REFERENCES "user" (id)
        );
        CREATE INDEX ix_task_id ON task (id);
        CREATE INDEX ix_task_user_id ON task (user_id);
        CREATE INDEX ix_task_course ON task (course);
        CREATE INDEX ix_task_due_at ON task (due_at);
        CREATE INDEX ix_task_created_at ON task (created_at);
        CREATE TABLE memoryitem (
        	id CHAR(32) NOT NULL,
        	user_id CHAR(32) NOT NULL,
        	task_id CHAR(32),
        	concept VARCHAR NOT NULL,
        	ease FLOAT NOT NULL,
        	interval INTEGER NOT NULL,
        	due_at DATETIME NOT NULL,
        	stability FLOAT NOT NULL,
        	difficulty FLOAT NOT NULL,
        	lapses INTEGER NOT NULL,
        	PRIMARY KEY (id),
        	FOREIGN KEY(user_id) REFERENCES "user" (id),
        	FOREIGN KEY(task_id) REFERENCES task (id)
        );
        CREATE INDEX ix_memoryitem_id ON memoryitem (id);
        CREATE INDEX ix_memoryitem_user_id ON memoryitem (user_id);
        CREATE INDEX ix_memoryitem_task_id ON memoryitem (task_id);
        CREATE INDEX ix_memoryitem_concept ON memoryitem (concept);
        CREATE INDEX ix_memoryitem_due_at ON memoryitem (due_at);
        CREATE TABLE mistake (
        	id CHAR(32) NOT NULL,
        	user_id CHAR(32) NOT NULL,
        	task_id CHAR(32),
        	concept VARCHAR NOT NULL,
        	subtype VARCHAR NOT NULL,
        	raw TEXT NOT NULL,
        	created_at DATETIME NOT NULL,
        	PRIMARY KEY (id),
        	FOREIGN KEY(user_id) REFERENCES "user" (id),
        	FOREIGN KEY(task_id) REFERENCES task (id)
        );
        CREATE INDEX ix_mistake_id ON mistake (id);
        CREATE INDEX ix_mistake_user_id ON mistake (user_id);
        CREATE INDEX ix_mistake_task_id ON mistake (task_id);
        CREATE INDEX ix_mistake_concept ON mistake (concept);
        CREATE INDEX ix_mistake_subtype ON mistake (subtype);
        CREATE INDEX ix_mistake_created_at ON mistake (created_at);
        CREATE TABLE reviewlog (
        	id CHAR(32) NOT NULL,
        	user_id CHAR(32) NOT NULL,
        	memory_id CHAR(32) NOT NULL,
        	grade INTEGER NOT NULL,
        	scheduled_for DATETIME NOT NULL,
        	reviewed_at DATETIME NOT NULL,
        	next_due_at DATETIME NOT NULL,
        	delta_seconds INTEGER NOT NULL,
        	PRIMARY KEY (id),
        	FOREIGN KEY(user_id) REFERENCES "user" (id),
        	FOREIGN KEY(memory_id) REFERENCES memoryitem (id)
        );
        CREATE INDEX ix_reviewlog_id ON reviewlog (id);
        CREATE INDEX ix_reviewlog_user_id ON reviewlog (user_id);
        CREATE INDEX ix_reviewlog_memory_id ON reviewlog (memory_id);
        CREATE INDEX ix_reviewlog_scheduled_for ON reviewlog (scheduled_for);
        CREATE INDEX ix_reviewlog_reviewed_at ON reviewlog (reviewed_at);
        CREATE INDEX ix_reviewlog_next_due_at ON reviewlog (next_due_at);
        CREATE TABLE personastate (
        	id CHAR(32) NOT NULL,
        	user_id CHAR(32) NOT NULL,
        	persona VARCHAR NOT NULL,
        	warmup_ts DATETIME,
        	PRIMARY KEY (id),
        	FOREIGN KEY(user_id) REFERENCES "user" (id)
        );
        CREATE INDEX ix_personastate_id ON personastate (id);
        CREATE INDEX ix_personastate_user_id ON personastate (user_id);
        CREATE INDEX ix_personastate_persona ON personastate (persona);
        CREATE INDEX ix_personastate_warmup_ts ON personastate (warmup_ts);
        CREATE TABLE badge (
        	id CHAR(32) NOT NULL,
        	user_id CHAR(32) NOT NULL,
        	kind VARCHAR NOT NULL,
        	acquired_at DATETIME NOT NULL,
        	PRIMARY KEY (id),
        	FOREIGN KEY(user_id) REFERENCES "user" (id)
        );
        CREATE INDEX ix_badge_id ON badge (id);
        CREATE INDEX ix_badge_user_id ON badge (user_id);
        CREATE INDEX ix_badge_kind ON badge (kind);
        CREATE INDEX ix_badge_acquired_at ON badge (acquired_at);
        CREATE TABLE abtestassignment (
        	id CHAR(32) NOT NULL,
        	user_id CHAR(32) NOT NULL,
        	experiment VARCHAR NOT NULL,
        	bucket VARCHAR NOT NULL,
        	assigned_at DATETIME NOT NULL,
        	PRIMARY KEY (id),
        	FOREIGN KEY(user_id) REFERENCES "user" (id)
        );
        CREATE INDEX ix_abtestassignment_id ON abtestassignment (id);
        CREATE INDEX ix_abtestassignment_user_id ON abtestassignment (user_id);
        CREATE INDEX ix_abtestassignment_experiment ON abtestassignment (experiment);
        CREATE INDEX ix_abtestassignment_bucket ON abtestassignment (bucket);
        CREATE INDEX ix_abtestassignment_assigned_at ON abtestassignment (assigned_at);
        CREATE TABLE analyticsevent (
        	id CHAR(32) NOT NULL,
        	user_id CHAR(32),
        	kind VARCHAR NOT NULL,
        	payload JSON NOT NULL,
        	ts DATETIME NOT NULL,
        	PRIMARY KEY (id),
        	FOREIGN KEY(user_id) REFERENCES "user" (id)
        );
        CREATE INDEX ix_analyticsevent_id ON analyticsevent (id);
        CREATE INDEX ix_analyticsevent_user_id ON analyticsevent (user_id);
        CREATE INDEX ix_analyticsevent_kind ON analyticsevent (kind);
        CREATE INDEX ix_analyticsevent_ts ON analyticsevent (ts);
        CREATE TABLE xpevent (
        	id CHAR(32) NOT NULL,
        	user_id CHAR(32) NOT NULL,
        	amount INTEGER NOT NULL,
        	reason VARCHAR NOT NULL,
        	ts DATETIME NOT NULL,
        	PRIMARY KEY (id),
        	FOREIGN KEY(user_id) REFERENCES "user" (id)
        );
        CREATE INDEX ix_xpevent_id ON xpevent (id);
        CREATE INDEX ix_xpevent_user_id ON xpevent (user_id);
        CREATE INDEX ix_xpevent_reason ON xpevent (reason);
        CREATE INDEX ix_xpevent_ts ON xpevent (ts);
        CREATE TABLE legacy_user_map (
        	legacy_user_id INTEGER NOT NULL,
        	user_id CHAR(32) NOT NULL,
        	PRIMARY KEY (legacy_user_id),
        	FOREIGN KEY(user_id) REFERENCES "user" (id)
        );
        CREATE INDEX ix_legacy_user_map_user_id ON legacy_user_map (user_id);
        CREATE TABLE legacy_task_map (
        	legacy_task_id VARCHAR NOT NULL,
        	task_id CHAR(32) NOT NULL,
        	PRIMARY KEY (legacy_task_id),
        	FOREIGN KEY(task_id) REFERENCES task (id)
        );
        CREATE INDEX ix_legacy_task_map_task_id ON legacy_task_map (task_id);
        """;

    /// <summary>The twelve tables the previous stack created.</summary>
    public static readonly IReadOnlyList<string> Tables =
    [
        "user", "task", "memoryitem", "mistake", "reviewlog", "personastate", "badge", "abtestassignment",
        "analyticsevent", "xpevent", "legacy_user_map", "legacy_task_map",
    ];

    /// <summary>Creates the database at <paramref name="path"/> (directory too); returns a connection string for it.</summary>
    public static async Task<string> CreateSqliteAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await ExecuteAsync(path, Ddl);
        return ConnectionString(path);
    }

    /// <summary>An unpooled connection string, so temp files can be deleted as soon as a test ends.</summary>
    public static string ConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString;

    /// <summary>SQLAlchemy's stored form of a UUID: <c>uuid.hex</c>.</summary>
    public static string Hex(Guid id) => id.ToString("N");

    /// <summary>SQLAlchemy's stored form of a naive UTC datetime.</summary>
    public static string Text(Instant t) =>
        t.ToDateTimeUtc().ToString("yyyy'-'MM'-'dd HH':'mm':'ss'.'ffffff", CultureInfo.InvariantCulture);

    public static Task<Guid> InsertUserAsync(string path, Instant createdAt, Guid? id = null, string timezone = "UTC", string? displayName = null,
        int streakDays = 0, Instant? lastStreakAt = null, string? persona = null, bool isPro = false, bool analyticsConsent = true)
    {
        var uid = id ?? Guid.NewGuid();
        return InsertAsync(path, uid,
            """INSERT INTO "user" (id, created_at, timezone, display_name, streak_days, last_streak_at, persona, is_pro, pro_until, email, institution_id, analytics_consent, is_institution_admin) VALUES ($id, $created, $tz, $name, $streak, $last, $persona, $pro, NULL, NULL, NULL, $consent, 0)""",
            ("$id", Hex(uid)), ("$created", Text(createdAt)), ("$tz", timezone), ("$name", displayName), ("$streak", streakDays),
            ("$last", lastStreakAt is { } l ? Text(l) : null), ("$persona", persona), ("$pro", isPro ? 1 : 0), ("$consent", analyticsConsent ? 1 : 0));
    }

    public static Task<Guid> InsertTaskAsync(string path, Guid userId, string title, Instant dueAt, Instant createdAt, string? course = null, Guid? id = null)
    {
        var tid = id ?? Guid.NewGuid();
        return InsertAsync(path, tid,
            "INSERT INTO task (id, user_id, title, course, due_at, created_at) VALUES ($id, $u, $title, $course, $due, $created)",
            ("$id", Hex(tid)), ("$u", Hex(userId)), ("$title", title), ("$course", course), ("$due", Text(dueAt)), ("$created", Text(createdAt)));
    }

    public static Task<Guid> InsertMemoryItemAsync(string path, Guid userId, string concept, Instant dueAt, Guid? taskId = null, Guid? id = null,
        double ease = 2.5, int interval = 1, double stability = 0.0, double difficulty = 0.3, int lapses = 0)
    {
        var mid = id ?? Guid.NewGuid();
        return InsertAsync(path, mid,
            "INSERT INTO memoryitem (id, user_id, task_id, concept, ease, interval, due_at, stability, difficulty, lapses) VALUES ($id, $u, $t, $c, $ease, $iv, $due, $st, $df, $lp)",
            ("$id", Hex(mid)), ("$u", Hex(userId)), ("$t", taskId is { } t ? Hex(t) : null), ("$c", concept), ("$ease", ease), ("$iv", interval),
            ("$due", Text(dueAt)), ("$st", stability), ("$df", difficulty), ("$lp", lapses));
    }

    public static Task<Guid> InsertMistakeAsync(string path, Guid userId, string concept, string raw, Instant createdAt, string subtype = "other", Guid? taskId = null, Guid? id = null)
    {
        var mid = id ?? Guid.NewGuid();
        return InsertAsync(path, mid,
            "INSERT INTO mistake (id, user_id, task_id, concept, subtype, raw, created_at) VALUES ($id, $u, $t, $c, $s, $raw, $created)",
            ("$id", Hex(mid)), ("$u", Hex(userId)), ("$t", taskId is { } t ? Hex(t) : null), ("$c", concept), ("$s", subtype), ("$raw", raw), ("$created", Text(createdAt)));
    }

    public static Task<Guid> InsertReviewLogAsync(string path, Guid userId, Guid memoryId, int grade, Instant scheduledFor, Instant reviewedAt, Instant nextDueAt, Guid? id = null)
    {
        var rid = id ?? Guid.NewGuid();
        var delta = (long)Math.Floor((reviewedAt - scheduledFor).TotalSeconds);
        return InsertAsync(path, rid,
            "INSERT INTO reviewlog (id, user_id, memory_id, grade, scheduled_for, reviewed_at, next_due_at, delta_seconds) VALUES ($id, $u, $m, $g, $s, $r, $n, $d)",
            ("$id", Hex(rid)), ("$u", Hex(userId)), ("$m", Hex(memoryId)), ("$g", grade), ("$s", Text(scheduledFor)), ("$r", Text(reviewedAt)),
            ("$n", Text(nextDueAt)), ("$d", delta));
    }

    public static Task<Guid> InsertXpEventAsync(string path, Guid userId, int amount, string reason, Instant ts, Guid? id = null)
    {
        var xid = id ?? Guid.NewGuid();
        return InsertAsync(path, xid,
            "INSERT INTO xpevent (id, user_id, amount, reason, ts) VALUES ($id, $u, $a, $r, $ts)",
            ("$id", Hex(xid)), ("$u", Hex(userId)), ("$a", amount), ("$r", reason), ("$ts", Text(ts)));
    }

    public static Task<Guid> InsertAnalyticsEventAsync(string path, Guid? userId, string kind, string payloadJson, Instant ts, Guid? id = null)
    {
        var aid = id ?? Guid.NewGuid();
        return InsertAsync(path, aid,
            "INSERT INTO analyticsevent (id, user_id, kind, payload, ts) VALUES ($id, $u, $k, $p, $ts)",
            ("$id", Hex(aid)), ("$u", userId is { } u ? Hex(u) : null), ("$k", kind), ("$p", payloadJson), ("$ts", Text(ts)));
    }

    /// <summary>Runs raw SQL (one or more statements) against the file with named <c>$</c> parameters.</summary>
    public static async Task ExecuteAsync(string path, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var conn = new SqliteConnection(ConnectionString(path));
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Rows of a raw query, each column as stored (TEXT stays text), for asserting the physical layout.</summary>
    public static async Task<List<object?[]>> QueryAsync(string path, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var conn = new SqliteConnection(ConnectionString(path));
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        var rows = new List<object?[]>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            rows.Add(row);
        }
        return rows;
    }

    private static async Task<Guid> InsertAsync(string path, Guid id, string sql, params (string Name, object? Value)[] parameters)
    {
        await ExecuteAsync(path, sql, parameters);
        return id;
    }
}
