using System.Data.Common;
using Npgsql;

namespace Teski.Testing.Migration;

/// <summary>A small hand-built legacy database holding every edge case the rules name (see the expectations in the tests).</summary>
public static class LegacySeed
{
    public const string User2External = "6f1c9a52-3c1e-4b7a-9d55-0c1f3a0e2b11";

    public static async Task StandardAsync(DbConnection c, bool withErrorSubtype = true)
    {
        var pg = c is NpgsqlConnection;
        async Task U(long id, string? ext, string email, string? name, string created) =>
            await SchemaForTests.InsertLegacyAsync(c, null, "user", ("id", id), ("external_user_id", ext), ("email", email), ("display_name", name),
                ("hashed_password", "x"), ("role", "STUDENT"), ("created_at", created), ("onboarded", true));
        await U(1, null, "ann@example.com", "Ann", "2025-01-15 12:00:00.000000");     // Helsinki winter: +02
        await U(2, User2External, "bo@example.com", "Bo", "2025-07-01 12:00:00");     // summer +03, no microseconds
        await U(3, "not-a-uuid", "cy@example.com", null, "2025-03-30 03:30:00.000000"); // spring-forward gap
        await U(4, null, "di@example.com", "Di", "2025-10-26 03:30:00.000000");        // autumn ambiguous hour
        await U(5, null, "ed@example.com", "Ed", "2025-03-01T10:00:00+02:00");        // explicit offset

        async Task T(string id, string? owner, string due) =>
            await SchemaForTests.InsertLegacyAsync(c, null, "task", ("id", id), ("source", "canvas"), ("title", "Title " + id), ("course", "MATH-1"),
                ("link", null), ("due_iso", due), ("status", "open"), ("confidence", 0.8), ("priority", 2L), ("notes", "n"), ("owner_user_id", owner),
                ("task_type", "homework"), ("estimated_minutes", 30L), ("suggested_start_utc", null), ("signals_json", "{\"a\": 1}"), ("completed_at", null));
        await T("canvas-1", "1", "2025-02-01 23:59:00.000000");
        await T("gmail-abc", User2External, "2025-06-10 09:00:00.000000");
        await T("alg-1", "3", "2025-04-01 08:00:00.000000");
        await T("orphan-garbage", "bob", "2025-04-01 08:00:00.000000");
        await T("orphan-null", null, "2025-04-01 08:00:00.000000");
        await T("orphan-unknown", "999", "2025-04-01 08:00:00.000000");
        await T("orphan-unknown-uuid", "0b5e3e5e-1111-4222-8333-944455556666", "2025-04-01 08:00:00.000000");

        async Task M(long id, long user, long? skill, string? code, string errorType, string? subtype, string? detail, string at)
        {
            var cols = new List<(string, object?)> { ("id", id), ("user_id", user), ("skill_id", skill), ("template_code", code), ("error_type", errorType),
                ("detail", detail), ("weight", 1.0), ("occurred_at", at) };
            if (withErrorSubtype)
            {
                cols.Add(("error_subtype", subtype));
            }
            await SchemaForTests.InsertLegacyAsync(c, null, "mistake_logs", [.. cols]);
        }
        await M(1, 1, null, "alg-1", "concept", "near_miss", "{\"reason\": \"close\"}", "2025-02-01 10:00:00.123456");
        // PostgreSQL json columns cannot hold invalid JSON; only SQLite stores carry that quirk.
        await M(2, 1, 7, null, "recall", null, pg ? "\"plain\"" : "not json {\"x\"", "2025-02-02 10:00:00.000000");
        await M(3, 2, null, null, "other", "custom:thing", null, "2025-02-03 10:00:00");
        await M(4, 999, null, "alg-1", "other", null, "{}", "2025-02-04 10:00:00.000000");
        await M(5, 3, null, "alg-1", "unit", null, "null", "2025-02-05 10:00:00.000000");

        await SchemaForTests.InsertLegacyAsync(c, null, "review_cards", ("id", 1L), ("user_id", 1L), ("template_code", "alg-1"), ("easiness", 1.1),
            ("stability", 0.3), ("last_interval_days", 2.5), ("next_review_at", "2025-02-05 08:00:00.000000"), ("status", "scheduled"), ("last_result", false),
            ("updated_at", "2025-02-01 10:00:00.000000"));
        await SchemaForTests.InsertLegacyAsync(c, null, "review_cards", ("id", 2L), ("user_id", 2L), ("template_code", "geo-2"), ("easiness", 2.6),
            ("stability", 0.3), ("last_interval_days", 6.5), ("next_review_at", "2025-03-01 08:00:00.000000"), ("status", "completed"), ("last_result", true),
            ("updated_at", "2025-02-01 10:00:00.000000"));

        long tid = 0;
        foreach (var code in new[] { "alg-1", "geo-2", "noitem" })
        {
            tid++;
            await SchemaForTests.InsertLegacyAsync(c, null, "task_templates", ("id", tid), ("code", code), ("title", code), ("skill_id", null));
        }
        async Task I(long id, long template, long user) =>
            await SchemaForTests.InsertLegacyAsync(c, null, "task_instances", ("id", id), ("template_id", template), ("user_id", user), ("seed", 1L),
                ("params", "{}"), ("rendered_text", "x"), ("created_at", "2025-02-01 09:00:00.000000"));
        await I(1, 1, 1);
        await I(2, 2, 2);
        await I(3, 3, 1);
        async Task A(long id, long instance, long user, bool correct, string at) =>
            await SchemaForTests.InsertLegacyAsync(c, null, "task_attempts", ("id", id), ("instance_id", instance), ("user_id", user),
                ("submitted_answer", "{}"), ("is_correct", correct), ("created_at", at));
        await A(1, 1, 1, true, "2025-02-01 11:00:00.000000");
        await A(2, 1, 1, false, "2025-02-02 11:00:00.000000");
        await A(3, 1, 1, false, "2025-02-03 11:00:00.000000");
        await A(4, 3, 1, true, "2025-02-04 11:00:00.000000");
        await A(5, 2, 2, true, "2025-02-05 11:00:00.000000");

        async Task P(long id, long user, string type, long points, string at) =>
            await SchemaForTests.InsertLegacyAsync(c, null, "pointsevent", ("id", id), ("leaderboard_id", 1L), ("user_id", user), ("event_type", type),
                ("points", points), ("occurred_at", at), ("meta", null));
        await P(1, 1, "task_completed", 10, "2025-02-01 12:00:00.000000");
        await P(2, 2, "streak_bonus", 5, "2025-02-02 12:00:00.000000");
        await P(3, 999, "task_completed", 10, "2025-02-03 12:00:00.000000");

        async Task E(long id, string? user, string type, string? meta) =>
            await SchemaForTests.InsertLegacyAsync(c, null, "analytics_events", ("id", id), ("user_id", user), ("event_type", type),
                ("ts", "2025-02-01 13:00:00.000000"), ("meta", meta));
        await E(1, "1", "page_view", "{\"page\": \"home\"}");
        await E(2, User2External, "login", "{}");
        await E(3, "garbage", "login", null);
        await E(4, null, "anon", null);

        async Task R(long id, string task, string persona, string at) =>
            await SchemaForTests.InsertLegacyAsync(c, null, "reminder", ("id", id), ("task_id", task), ("escalation", "calm"), ("persona", persona),
                ("created_at", at), ("script_hints", null));
        await R(1, "canvas-1", "mood_snark_v1", "2025-01-01 10:00:00.000000");
        await R(2, "canvas-1", "calm", "2024-12-01 10:00:00.000000");
        await R(3, "gmail-abc", "coach", "2025-01-01 10:00:00.000000");
    }
}
