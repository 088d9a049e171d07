using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Teski.Infrastructure.Legacy;
using Teski.Infrastructure.Persistence;

namespace Teski.Testing.Legacy;

/// <summary>A datetime exactly as the legacy app wrote it (e.g. <c>2025-03-30 04:30:00.000000</c>); see <see cref="LegacyFixtureDb"/>.</summary>
public readonly record struct DateTimeText(string Value);

/// <summary>JSON column text exactly as stored, valid or not.</summary>
public readonly record struct JsonText(string Value);

/// <summary>
/// A throwaway legacy store (a SQLite file in a <see cref="TempDir"/>, or a fresh database on the shared
/// <see cref="PostgresServer"/>) filled the way the legacy app fills it: rows are inserted with raw SQL, datetimes
/// as the text SQLAlchemy writes (microseconds, Helsinki wall time in the tz-aware columns, no offset), enum
/// names, JSON text (invalid JSON too, on SQLite) and 0/1 booleans on SQLite.
/// </summary>
/// <remarks>
/// Datetime arguments are text. On PostgreSQL they are cast to <c>timestamp</c>, which (like the column itself)
/// cannot hold an offset: PostgreSQL silently drops one. Invalid JSON cannot be inserted on PostgreSQL, where the
/// legacy JSON columns are <c>json</c> and reject it. Rows get the explicit ids given; on PostgreSQL the table's
/// serial sequence is moved past them so later inserts that omit the id (EF, the legacy app) do not collide.
/// </remarks>
public sealed class LegacyFixtureDb : IAsyncDisposable, IDisposable
{
    /// <summary>A plain naive datetime used when a test does not care.</summary>
    public const string DefaultTime = "2025-01-15 10:00:00.000000";

    private readonly TempDir? _dir;

    private LegacyFixtureDb(DatabaseUrl url, bool hasErrorSubtype, TempDir? dir)
    {
        Url = url;
        HasErrorSubtype = hasErrorSubtype;
        _dir = dir;
    }

    public DatabaseUrl Url { get; }

    public DatabaseProvider Provider => Url.Provider;

    /// <summary>Whether <c>mistake_logs</c> was created with <c>error_subtype</c>.</summary>
    public bool HasErrorSubtype { get; }

    /// <summary>
    /// A new legacy store with all legacy tables (via <see cref="LegacySchema.CreateIfEmptyAsync"/>).
    /// <paramref name="withErrorSubtype"/> false gives an older database whose <c>mistake_logs</c> lacks the column.
    /// </summary>
    public static async Task<LegacyFixtureDb> CreateAsync(DatabaseProvider provider, bool withErrorSubtype = true, bool withSupportTables = true)
    {
        var db = await CreateEmptyAsync(provider, withErrorSubtype);
        await LegacySchema.CreateIfEmptyAsync(db.Url);
        if (!withErrorSubtype)
        {
            // Equivalent to a database created before the column was added (it has no index or constraint).
            await db.ExecuteAsync("ALTER TABLE mistake_logs DROP COLUMN error_subtype");
        }
        if (withSupportTables)
        {
            await LegacySchema.EnsureSupportTablesAsync(db.Url);
        }
        return db;
    }

    /// <summary>A new store with no tables at all (for schema-creation tests and hand-made shapes).</summary>
    public static async Task<LegacyFixtureDb> CreateEmptyAsync(DatabaseProvider provider, bool hasErrorSubtype = true)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            var dir = new TempDir();
            var cs = new SqliteConnectionStringBuilder { DataSource = dir.File("app.db") }.ConnectionString;
            return new LegacyFixtureDb(new DatabaseUrl(DatabaseProvider.Sqlite, cs), hasErrorSubtype, dir);
        }
        var pg = await PostgresServer.Instance.CreateDatabaseAsync("legacy");
        return new LegacyFixtureDb(new DatabaseUrl(DatabaseProvider.Postgres, pg), hasErrorSubtype, null);
    }

    /// <summary>A context matching this database's shape.</summary>
    public LegacyDbContext NewContext() => LegacyDbContextFactory.Create(Url, HasErrorSubtype);

    /// <summary>Runs SQL with positional parameters <c>@p0</c>, <c>@p1</c>, ….</summary>
    public async Task<int> ExecuteAsync(string sql, params object?[] args)
    {
        await using var conn = await LegacySchema.OpenAsync(Url);
        await using var cmd = Command(conn, sql, args);
        return await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of the first row, or null.</summary>
    public async Task<object?> ScalarAsync(string sql, params object?[] args)
    {
        await using var conn = await LegacySchema.OpenAsync(Url);
        await using var cmd = Command(conn, sql, args);
        var value = await cmd.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    /// <summary>
    /// A column's stored value as text: on SQLite the stored text itself (numbers and 0/1 booleans as their digits);
    /// on PostgreSQL <c>timestamp</c> columns as <c>YYYY-MM-DD HH:MM:SS.ffffff</c> (the legacy text format) and
    /// anything else through <c>::text</c> (booleans <c>true</c>/<c>false</c>).
    /// </summary>
    public async Task<string?> ReadStoredTextAsync(string table, string column, object key, string keyColumn = "id")
    {
        var t = QuoteTable(table);
        string expr;
        if (Provider == DatabaseProvider.Sqlite)
        {
            expr = $"CAST({column} AS TEXT)";
        }
        else
        {
            var type = (string?)await ScalarAsync(
                "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @p0 AND column_name = @p1",
                table, column) ?? throw new InvalidOperationException($"no column {table}.{column}");
            expr = type == "timestamp without time zone"
                ? $"to_char({column}, 'YYYY-MM-DD HH24:MI:SS.US')"
                : $"{column}::text";
        }
        return (string?)await ScalarAsync($"SELECT {expr} FROM {t} WHERE {keyColumn} = @p0", key);
    }

    /// <summary>
    /// Inserts one row. Values: <see cref="DateTimeText"/> and <see cref="JsonText"/> are written as stored text
    /// (cast to timestamp / json on PostgreSQL), <see cref="bool"/> as 0/1 on SQLite, null as NULL, others as given.
    /// </summary>
    public async Task InsertAsync(string table, params (string Column, object? Value)[] values)
    {
        var columns = string.Join(", ", values.Select(v => v.Column));
        var placeholders = string.Join(", ", values.Select((v, i) => Placeholder(v.Value, i)));
        var args = values.Select(v => Arg(v.Value)).ToArray();
        await using var conn = await LegacySchema.OpenAsync(Url);
        await using (var cmd = Command(conn, $"INSERT INTO {QuoteTable(table)} ({columns}) VALUES ({placeholders})", args))
        {
            await cmd.ExecuteNonQueryAsync();
        }
        if (Provider == DatabaseProvider.Postgres && values.Any(v => v.Column == "id" && v.Value is int))
        {
            // Explicit ids do not advance a serial's sequence.
            await using var fix = Command(conn,
                $"SELECT setval(pg_get_serial_sequence('{QuoteTable(table)}', 'id'), (SELECT MAX(id) FROM {QuoteTable(table)}))");
            await fix.ExecuteScalarAsync();
        }
    }

    public Task InsertUserAsync(int id, string? externalUserId, string email, string createdAt = DefaultTime,
        string role = LegacyRoles.Student, bool onboarded = false, string? onboardedAt = null, string? displayName = null,
        string hashedPassword = "") =>
        InsertAsync("user", ("id", id), ("external_user_id", externalUserId), ("email", email), ("display_name", displayName),
            ("hashed_password", hashedPassword), ("role", role), ("created_at", Dt(createdAt)), ("onboarded", onboarded),
            ("onboarded_at", Dt(onboardedAt)));

    public Task InsertTaskAsync(string id, string? ownerUserId, string dueIso = DefaultTime, string title = "Task",
        string source = LegacyTaskSources.Mock, string status = LegacyTaskStatuses.Open, string? course = null, string? link = null,
        double confidence = 1.0, int priority = 1, string? notes = null, string? taskType = null, int? estimatedMinutes = null,
        string? suggestedStartUtc = null, string? signalsJson = null, string? completedAt = null) =>
        InsertAsync("task", ("id", id), ("source", source), ("title", title), ("course", course), ("link", link),
            ("due_iso", Dt(dueIso)), ("status", status), ("confidence", confidence), ("priority", priority), ("notes", notes),
            ("owner_user_id", ownerUserId), ("task_type", taskType), ("estimated_minutes", estimatedMinutes),
            ("suggested_start_utc", Dt(suggestedStartUtc)), ("signals_json", signalsJson), ("completed_at", completedAt));

    public Task InsertReminderAsync(int id, string taskId, string escalation = LegacyEscalations.Calm, string persona = "teacher",
        string createdAt = DefaultTime, string? scriptHints = null) =>
        InsertAsync("reminder", ("id", id), ("task_id", taskId), ("escalation", escalation), ("persona", persona),
            ("created_at", Dt(createdAt)), ("script_hints", scriptHints));

    public Task InsertPersonaAsync(int id, string code, string displayName, string config = "{}", string createdAt = DefaultTime) =>
        InsertAsync("personas", ("id", id), ("code", code), ("display_name", displayName), ("config", new JsonText(config)),
            ("created_at", Dt(createdAt)));

    /// <summary>A <c>mistake_logs</c> row; <paramref name="errorSubtype"/> must be null on a database without the column.</summary>
    public Task InsertMistakeLogAsync(int id, int userId, string occurredAt = DefaultTime, string? detail = "{}",
        string errorType = "other", string? errorSubtype = null, string? templateCode = null, int? skillId = null,
        int? instanceId = null, double weight = 1.0, string? resolvedAt = null)
    {
        var values = new List<(string, object?)>
        {
            ("id", id), ("user_id", userId), ("skill_id", skillId), ("template_code", templateCode), ("instance_id", instanceId),
            ("error_type", errorType), ("detail", Json(detail)), ("weight", weight), ("occurred_at", Dt(occurredAt)),
            ("resolved_at", Dt(resolvedAt)),
        };
        if (HasErrorSubtype)
        {
            values.Add(("error_subtype", errorSubtype));
        }
        else if (errorSubtype is not null)
        {
            throw new InvalidOperationException("this database has no mistake_logs.error_subtype column");
        }
        return InsertAsync("mistake_logs", [.. values]);
    }

    public Task InsertMemoryStatsAsync(int id, int userId, int? skillId, int mistakeCount = 1, string? lastMissedAt = null,
        string? lastMasteredAt = null, double stability = 0.3) =>
        InsertAsync("memory_stats", ("id", id), ("user_id", userId), ("skill_id", skillId), ("mistake_count", mistakeCount),
            ("last_missed_at", Dt(lastMissedAt)), ("last_mastered_at", Dt(lastMasteredAt)), ("stability", stability));

    public Task InsertResurfacePlanAsync(int id, int userId, string? templateCode, string scheduledFor,
        string status = LegacyResurfacePlanStatuses.Pending, int? skillId = null, string createdAt = DefaultTime) =>
        InsertAsync("resurface_plans", ("id", id), ("user_id", userId), ("skill_id", skillId), ("template_code", templateCode),
            ("scheduled_for", Dt(scheduledFor)), ("status", status), ("created_at", Dt(createdAt)));

    public Task InsertReviewCardAsync(int id, int userId, string? templateCode, string nextReviewAt,
        string status = LegacyReviewCardStatuses.Scheduled, double easiness = 2.3, double stability = 0.3,
        double lastIntervalDays = 0, bool? lastResult = null, int? skillId = null, string updatedAt = DefaultTime) =>
        InsertAsync("review_cards", ("id", id), ("user_id", userId), ("skill_id", skillId), ("template_code", templateCode),
            ("easiness", easiness), ("stability", stability), ("last_interval_days", lastIntervalDays),
            ("next_review_at", Dt(nextReviewAt)), ("status", status), ("last_result", lastResult), ("updated_at", Dt(updatedAt)));

    public Task InsertTaskTemplateAsync(int id, string code, string title = "Template", int skillId = 1, string taskType = "NUMERIC",
        string textTemplate = "", string? parameters = "{}", string? constraints = null, string? answerSpec = "{}",
        string createdAt = DefaultTime) =>
        InsertAsync("task_templates", ("id", id), ("code", code), ("title", title), ("skill_id", skillId), ("task_type", taskType),
            ("text_template", textTemplate), ("parameters", Json(parameters)), ("constraints", Json(constraints)),
            ("answer_spec", Json(answerSpec)), ("created_at", Dt(createdAt)));

    public Task InsertTaskInstanceAsync(int id, int templateId, int userId, string seed = "seed", string? parameters = "{}",
        string renderedText = "", string createdAt = DefaultTime) =>
        InsertAsync("task_instances", ("id", id), ("template_id", templateId), ("user_id", userId), ("seed", seed),
            ("params", Json(parameters)), ("rendered_text", renderedText), ("created_at", Dt(createdAt)));

    public Task InsertTaskAttemptAsync(int id, int instanceId, int userId, bool isCorrect, string? submittedAnswer = "{}",
        int? latencyMs = null, string createdAt = DefaultTime) =>
        InsertAsync("task_attempts", ("id", id), ("instance_id", instanceId), ("user_id", userId),
            ("submitted_answer", Json(submittedAnswer)), ("is_correct", isCorrect), ("latency_ms", latencyMs),
            ("created_at", Dt(createdAt)));

    public Task InsertLeaderboardAsync(int id, int creatorUserId, string joinCode, string name = "Board", string? courseId = null,
        string createdAt = DefaultTime) =>
        InsertAsync("leaderboard", ("id", id), ("name", name), ("course_id", courseId), ("join_code", joinCode),
            ("created_at", Dt(createdAt)), ("creator_user_id", creatorUserId));

    public Task InsertLeaderboardMemberAsync(int id, int leaderboardId, int userId, bool displayConsent = false,
        string joinedAt = DefaultTime) =>
        InsertAsync("leaderboardmember", ("id", id), ("leaderboard_id", leaderboardId), ("user_id", userId),
            ("joined_at", Dt(joinedAt)), ("display_consent", displayConsent));

    public Task InsertPointsEventAsync(int id, int leaderboardId, int userId, string eventType, int points,
        string occurredAt = DefaultTime, string? meta = null) =>
        InsertAsync("pointsevent", ("id", id), ("leaderboard_id", leaderboardId), ("user_id", userId), ("event_type", eventType),
            ("points", points), ("occurred_at", Dt(occurredAt)), ("meta", Json(meta)));

    public Task InsertWeeklyScoreAsync(int id, int leaderboardId, int userId, int weekYear, int weekNumber, int points) =>
        InsertAsync("weeklyscore", ("id", id), ("leaderboard_id", leaderboardId), ("user_id", userId), ("week_year", weekYear),
            ("week_number", weekNumber), ("points", points));

    public Task InsertAnalyticsEventAsync(int id, string userId, string eventType, string ts = DefaultTime, string? meta = null) =>
        InsertAsync("analytics_events", ("id", id), ("user_id", userId), ("event_type", eventType), ("ts", Dt(ts)),
            ("meta", Json(meta)));

    public void Dispose() => _dir?.Dispose();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static DateTimeText? Dt(string? text) => text is null ? null : new DateTimeText(text);

    private static JsonText? Json(string? text) => text is null ? null : new JsonText(text);

    private static string QuoteTable(string table) => table == "user" ? "\"user\"" : table;

    private string Placeholder(object? value, int i) => (value, Provider) switch
    {
        (DateTimeText, DatabaseProvider.Postgres) => $"CAST(@p{i} AS timestamp)",
        (JsonText, DatabaseProvider.Postgres) => $"CAST(@p{i} AS json)",
        _ => $"@p{i}",
    };

    private object? Arg(object? value) => value switch
    {
        DateTimeText d => d.Value,
        JsonText j => j.Value,
        bool b when Provider == DatabaseProvider.Sqlite => b ? 1L : 0L,
        _ => value,
    };

    private static DbCommand Command(DbConnection conn, string sql, params object?[] args)
    {
        var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        for (var i = 0; i < args.Length; i++)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "p" + i.ToString(CultureInfo.InvariantCulture);
            p.Value = args[i] ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }
}
