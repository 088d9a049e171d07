using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Teski.Testing.Migration;

/// <summary>Sizes and switches for <see cref="LegacyGenerator"/> (tools/LegacyGen's command line).</summary>
public sealed record LegacyGenOptions(int Users, int Mistakes, int Tasks, int Points, int Seed = 42, bool NoErrorSubtype = false, int? Attempts = null, int? Events = null, bool WithRowLink = false)
{
    public int AttemptCount => Attempts ?? Mistakes;
    public int EventCount => Events ?? Users * 2;
}

public sealed class LegacyGenerator(SqliteConnection conn, LegacyGenOptions o)
{
    private const int TxRows = 50_000;
    private static readonly string[] ErrorTypes = ["recall", "concept", "format", "spelling", "unit", "other"];
    private static readonly string[] Subtypes = ["near_miss", "false_friend", "spelling", "unit", "sign", "algebra", "concept", "recall", "format", "other"];
    private static readonly string[] Personas = ["mood_calm_v1", "mood_snark_v1", "mood_disappointed_v1", "mood_intervention_v1", "calm", "snark"];
    private static readonly string[] Sources = ["gmail", "canvas", "mock", "ics"];
    private static readonly DateTime Epoch = new(2024, 9, 1, 0, 0, 0, DateTimeKind.Unspecified);

    private readonly Random _r = new(o.Seed);
    private readonly List<string?> _external = [];
    private const int Templates = 200;
    private int _rows;
    private DbTransaction? _tx;

    public string Summary { get; private set; } = "";

    /// <summary>
    /// Writes a fresh legacy SQLite database at <paramref name="path"/> (replacing any file there) with every edge case
    /// the backfill must handle: DST-hour and ISO-offset times, invalid/NULL JSON, orphan owners of every kind, users
    /// with and without UUID external ids, review cards, attempts, reminders, analytics with string user ids.
    /// Deterministic for a given seed. Returns a one-line summary.
    /// </summary>
    public static async Task<string> GenerateAsync(string path, LegacyGenOptions options)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
        var clock = Stopwatch.StartNew();
        await using var conn = new SqliteConnection($"Data Source={path};Pooling=false");
        await conn.OpenAsync();
        // A scratch file: durability is irrelevant while generating.
        await SchemaForTests.ExecAsync(conn, "PRAGMA journal_mode = OFF");
        await SchemaForTests.ExecAsync(conn, "PRAGMA synchronous = OFF");
        await SchemaForTests.CreateLegacyAsync(conn, !options.NoErrorSubtype, options.WithRowLink);
        var gen = new LegacyGenerator(conn, options);
        await gen.RunAsync();
        return string.Create(CultureInfo.InvariantCulture, $"wrote {path} in {clock.Elapsed.TotalSeconds:0.0}s: {gen.Summary}");
    }

    private async Task RunAsync()
    {
        _tx = await conn.BeginTransactionAsync();
        await UsersAsync();
        await TasksAsync();
        await TemplatesAsync();
        await MistakesAsync();
        await CardsAsync();
        await AttemptsAsync();
        await PointsAsync();
        await EventsAsync();
        await _tx.CommitAsync();
        Summary = string.Create(CultureInfo.InvariantCulture, $"{o.Users} users, {o.Tasks} tasks, {o.Mistakes} mistakes, {o.AttemptCount} attempts, {o.Points} points, {o.EventCount} events ({_rows} rows)");
    }

    private async Task RowAsync(DbCommand cmd, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            cmd.Parameters[i].Value = SchemaForTests.ToParam(values[i]);
        }
        cmd.Transaction = (SqliteTransaction)_tx!;
        await cmd.ExecuteNonQueryAsync();
        if (++_rows % TxRows == 0)
        {
            await _tx!.CommitAsync();
            _tx = await conn.BeginTransactionAsync();
        }
    }

    private DbCommand Insert(string table, params string[] cols)
    {
        var c = SchemaForTests.LegacyInsertCommand(conn, table, cols);
        c.Prepare();
        return c;
    }

    private static string Sql(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    private DateTime Any() => Epoch.AddSeconds(_r.NextDouble() * 400 * 86400).AddTicks(_r.Next(0, 1_000_000) * 10);

    /// <summary>Helsinki-wall-time text with the edge cases: DST gap/overlap hours, ISO offsets, no microseconds.</summary>
    private string WallTime()
    {
        var p = _r.Next(100);
        return p switch
        {
            0 => $"2025-03-30 03:{_r.Next(60):00}:{_r.Next(60):00}.{_r.Next(1_000_000):000000}", // spring-forward gap
            1 => $"2025-10-26 03:{_r.Next(60):00}:{_r.Next(60):00}.{_r.Next(1_000_000):000000}", // autumn overlap
            2 => Any().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (_r.Next(2) == 0 ? "+02:00" : "+03:00"),
            3 => Any().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            _ => Sql(Any()),
        };
    }

    private string UtcTime() => _r.Next(100) == 0 ? Any().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : Sql(Any());

    private Guid NewGuid()
    {
        Span<byte> b = stackalloc byte[16];
        _r.NextBytes(b);
        b[7] = (byte)((b[7] & 0x0F) | 0x40);
        b[8] = (byte)((b[8] & 0x3F) | 0x80);
        return new Guid(b);
    }

    /// <summary>Each user practises a handful of templates (mistakes, cards and attempts agree on them).</summary>
    private int TemplateFor(int user) => 1 + (((user * 7) + _r.Next(5)) % Templates);

    private async Task UsersAsync()
    {
        await using var cmd = Insert("user", "id", "external_user_id", "email", "display_name", "hashed_password", "role", "created_at", "onboarded", "onboarded_at");
        for (var id = 1; id <= o.Users; id++)
        {
            var p = _r.Next(100);
            // Very old rows have no external id; a few carry something that is not a UUID.
            string? ext = p < 10 ? null : p < 13 ? $"legacy-{id}" : NewGuid().ToString();
            _external.Add(ext);
            await RowAsync(cmd, id, ext, $"user{id}@example.com", p % 7 == 0 ? null : $"User {id}", "x", "STUDENT", WallTime(), p % 2 == 0, null);
        }
    }

    /// <summary>Owner strings as the legacy app wrote them: digits mostly, sometimes the external UUID, NULL, garbage, or unknown ids.</summary>
    private string? Owner()
    {
        var user = _r.Next(1, o.Users + 1);
        var p = _r.Next(100);
        return p switch
        {
            < 70 => user.ToString(CultureInfo.InvariantCulture),
            < 85 => _external[user - 1] is { } e && Guid.TryParse(e, out _) ? e : user.ToString(CultureInfo.InvariantCulture),
            < 90 => null,
            < 95 => "someone",
            _ => (o.Users + 1000 + p).ToString(CultureInfo.InvariantCulture),
        };
    }

    private async Task TasksAsync()
    {
        await using var task = Insert("task", "id", "source", "title", "course", "link", "due_iso", "status", "confidence", "priority", "notes", "owner_user_id",
            "task_type", "estimated_minutes", "suggested_start_utc", "signals_json", "completed_at");
        await using var reminder = Insert("reminder", "id", "task_id", "escalation", "persona", "created_at", "script_hints");
        var reminderId = 0;
        for (var n = 1; n <= o.Tasks; n++)
        {
            var source = Sources[_r.Next(Sources.Length)];
            // Some task ids equal template codes, so mistakes link to them (task_id = migrated task whose id is the template code).
            var id = n <= Templates / 2 ? $"tpl-{n}" : source == "gmail" ? $"gmail-{_r.NextInt64():x}" : $"{source}-{n}";
            await RowAsync(task, id, source, $"Task {n}", _r.Next(3) == 0 ? null : $"COURSE-{_r.Next(20)}", null, WallTime(),
                n % 3 == 0 ? "done" : "open", Math.Round(_r.NextDouble(), 2), _r.Next(1, 4), null, Owner(), "homework", _r.Next(10, 120),
                _r.Next(4) == 0 ? UtcTime() : null, _r.Next(5) == 0 ? "{\"source_rank\": 3}" : null, n % 3 == 0 ? "2025-01-01T10:00:00+00:00" : null);
            if (n % 2 == 0)
            {
                await RowAsync(reminder, ++reminderId, id, "calm", Personas[_r.Next(Personas.Length)], WallTime(), null);
            }
        }
    }

    private async Task TemplatesAsync()
    {
        await using var cmd = Insert("task_templates", "id", "code", "title", "skill_id");
        for (var t = 1; t <= Templates; t++)
        {
            await RowAsync(cmd, t, $"tpl-{t}", $"Template {t}", t % 20);
        }
    }

    private async Task MistakesAsync()
    {
        var cols = new List<string> { "id", "user_id", "skill_id", "template_code", "instance_id", "error_type", "detail", "weight", "occurred_at", "resolved_at" };
        if (!o.NoErrorSubtype)
        {
            cols.Add("error_subtype");
        }
        await using var cmd = Insert("mistake_logs", [.. cols]);
        for (var id = 1; id <= o.Mistakes; id++)
        {
            var p = _r.Next(100);
            var detail = p switch
            {
                < 2 => "reason: close but {not json",
                < 5 => null,
                < 7 => "null",
                _ => $"{{\"reason\": \"attempt {id}\", \"answer\": {_r.Next(100)}}}",
            };
            var user = _r.Next(1, o.Users + 1);
            var code = _r.Next(5) == 0 ? null : $"tpl-{TemplateFor(user)}";
            object?[] values = [id, user + (p == 99 ? o.Users : 0), _r.Next(4) == 0 ? null : _r.Next(1, 30), code, null,
                ErrorTypes[_r.Next(ErrorTypes.Length)], detail, 1.0, UtcTime(), null];
            if (!o.NoErrorSubtype)
            {
                values = [.. values, _r.Next(3) == 0 ? null : Subtypes[_r.Next(Subtypes.Length)]];
            }
            await RowAsync(cmd, values);
        }
    }

    private async Task CardsAsync()
    {
        await using var cmd = Insert("review_cards", "id", "user_id", "skill_id", "template_code", "easiness", "stability", "last_interval_days", "next_review_at",
            "status", "last_result", "updated_at");
        var id = 0;
        for (var user = 1; user <= o.Users; user++)
        {
            if (_r.Next(10) >= 3)
            {
                continue;
            }
            foreach (var t in Enumerable.Range(0, 3).Select(_ => TemplateFor(user)).Distinct().Take(_r.Next(1, 4)))
            {
                await RowAsync(cmd, ++id, user, null, $"tpl-{t}", Math.Round(1.1 + (_r.NextDouble() * 1.7), 3), 0.3, Math.Round(_r.NextDouble() * 30, 1),
                    UtcTime(), "scheduled", _r.Next(3) == 0 ? null : _r.Next(2) == 0, UtcTime());
            }
        }
    }

    private async Task AttemptsAsync()
    {
        await using var inst = Insert("task_instances", "id", "template_id", "user_id", "seed", "params", "rendered_text", "created_at");
        await using var att = Insert("task_attempts", "id", "instance_id", "user_id", "submitted_answer", "is_correct", "latency_ms", "created_at");
        var instances = Math.Max(1, o.AttemptCount / 2);
        var owner = new int[instances + 1];
        for (var i = 1; i <= instances; i++)
        {
            owner[i] = _r.Next(1, o.Users + 1);
            // Mostly the templates the user made mistakes on, so the replay finds memory items; some strays that it must skip.
            await RowAsync(inst, i, _r.Next(10) == 0 ? _r.Next(1, Templates + 1) : TemplateFor(owner[i]), owner[i], _r.Next(), "{}", "x", UtcTime());
        }
        for (var a = 1; a <= o.AttemptCount; a++)
        {
            var i = _r.Next(1, instances + 1);
            await RowAsync(att, a, i, owner[i], "{}", _r.Next(3) != 0, _r.Next(500, 30000), UtcTime());
        }
    }

    private async Task PointsAsync()
    {
        await using var cmd = Insert("pointsevent", "id", "leaderboard_id", "user_id", "event_type", "points", "occurred_at", "meta");
        string[] types = ["task_completed", "streak_bonus", "deadline_beaten"];
        int[] points = [10, 5, 3];
        for (var id = 1; id <= o.Points; id++)
        {
            var t = _r.Next(types.Length);
            await RowAsync(cmd, id, 1, _r.Next(1, o.Users + 1), types[t], points[t], UtcTime(), null);
        }
    }

    private async Task EventsAsync()
    {
        await using var cmd = Insert("analytics_events", "id", "user_id", "event_type", "ts", "meta");
        for (var id = 1; id <= o.EventCount; id++)
        {
            var user = _r.Next(1, o.Users + 1);
            var p = _r.Next(10);
            var userId = p switch
            {
                < 6 => user.ToString(CultureInfo.InvariantCulture),
                < 8 => _external[user - 1] ?? "anonymous",
                8 => "not-a-user",
                _ => null,
            };
            await RowAsync(cmd, id, userId, p % 2 == 0 ? "page_view" : "login", UtcTime(), _r.Next(4) == 0 ? null : "{\"page\": \"home\"}");
        }
    }
}
