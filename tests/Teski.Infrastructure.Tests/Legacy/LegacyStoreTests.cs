using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Teski.Infrastructure.Legacy;
using Teski.Infrastructure.Persistence;
using Teski.Testing.Legacy;

namespace Teski.Infrastructure.Tests.Legacy;

/// <summary>
/// Rows written the way the legacy app writes them, read and written through <see cref="LegacyDbContext"/>.
/// Every test runs against SQLite and PostgreSQL (the two subclasses at the bottom).
/// </summary>
public abstract class LegacyStoreTests
{
    protected abstract DatabaseProvider Provider { get; }

    protected Task<LegacyFixtureDb> NewDbAsync(bool withErrorSubtype = true) => LegacyFixtureDb.CreateAsync(Provider, withErrorSubtype);

    protected static Instant Utc(int y, int mo, int d, int h, int mi, int s = 0) => Instant.FromUtc(y, mo, d, h, mi, s);

    [Theory]
    // Spring forward in Helsinki: 2025-03-30 03:00 EET → 04:00 EEST (01:00Z).
    [InlineData("2025-03-30 02:30:00.000000", "2025-03-30T00:30:00Z")] // before the change, +02:00
    [InlineData("2025-03-30 04:30:00.000000", "2025-03-30T01:30:00Z")] // after the change, +03:00
    [InlineData("2025-03-30 03:30:00.000000", "2025-03-30T01:30:00Z")] // skipped wall time: shifted forward one hour
    // Fall back: 2025-10-26 04:00 EEST → 03:00 EET (01:00Z); 03:00–04:00 happens twice.
    [InlineData("2025-10-26 03:30:00.000000", "2025-10-26T00:30:00Z")] // ambiguous: the earlier occurrence (+03:00)
    [InlineData("2025-10-26 04:30:00.000000", "2025-10-26T02:30:00Z")] // after the change, +02:00
    [InlineData("2025-07-01 12:00:00.000000", "2025-07-01T09:00:00Z")] // summer, +03:00
    [InlineData("2025-01-15 12:00:00.000000", "2025-01-15T10:00:00Z")] // winter, +02:00
    public async Task User_created_at_is_Helsinki_wall_time_resolved_across_DST(string stored, string expected)
    {
        await using var db = await NewDbAsync();
        await db.InsertUserAsync(1, "0b4e7a52-8c1f-4a34-9a57-2f1c4c0b5a11", "a@x.fi", createdAt: stored);

        await using var ctx = db.NewContext();
        var user = await ctx.Users.SingleAsync();

        user.CreatedAt.Should().Be(NodaTime.Text.InstantPattern.General.Parse(expected).Value);
    }

    [Fact]
    public async Task Task_due_and_reminder_created_are_Helsinki_while_other_datetimes_are_UTC()
    {
        await using var db = await NewDbAsync();
        await db.InsertTaskAsync("canvas-123", "1", dueIso: "2025-06-10 23:59:00.000000", suggestedStartUtc: "2025-06-10 08:00:00.000000",
            completedAt: "2025-06-10T21:00:00+03:00", signalsJson: "{\"words\": 3}");
        await db.InsertReminderAsync(7, "canvas-123", createdAt: "2025-06-10 09:00:00.000000");
        await db.InsertMistakeLogAsync(1, userId: 1, occurredAt: "2025-06-10 09:00:00.000000");

        await using var ctx = db.NewContext();
        var task = await ctx.Tasks.SingleAsync();
        task.DueIso.Should().Be(Utc(2025, 6, 10, 20, 59));
        task.SuggestedStartUtc.Should().Be(Utc(2025, 6, 10, 8, 0));
        task.CompletedAt.Should().Be("2025-06-10T21:00:00+03:00", "a VARCHAR column is kept verbatim");
        task.SignalsJson.Should().Be("{\"words\": 3}");
        (await ctx.Reminders.SingleAsync()).CreatedAt.Should().Be(Utc(2025, 6, 10, 6, 0));
        (await ctx.MistakeLogs.SingleAsync()).OccurredAt.Should().Be(Utc(2025, 6, 10, 9, 0));
    }

    [Fact]
    public async Task Microseconds_survive_a_read_and_an_EF_write()
    {
        await using var db = await NewDbAsync();
        await db.InsertMistakeLogAsync(1, userId: 1, occurredAt: "2025-02-03 04:05:06.123456");

        await using (var ctx = db.NewContext())
        {
            var row = await ctx.MistakeLogs.SingleAsync();
            row.OccurredAt.Should().Be(Utc(2025, 2, 3, 4, 5, 6).PlusNanoseconds(123_456_000));
            row.ResolvedAt = row.OccurredAt.Plus(Duration.FromNanoseconds(1_000)); // +1 µs
            await ctx.SaveChangesAsync();
        }

        (await db.ReadStoredTextAsync("mistake_logs", "occurred_at", 1)).Should().Be("2025-02-03 04:05:06.123456");
        (await db.ReadStoredTextAsync("mistake_logs", "resolved_at", 1)).Should().Be("2025-02-03 04:05:06.123457");
    }

    [Fact]
    public async Task A_value_without_microseconds_is_read()
    {
        await using var db = await NewDbAsync();
        await db.InsertAnalyticsEventAsync(1, "1", "login", ts: "2025-02-03 04:05:06");

        await using var ctx = db.NewContext();
        (await ctx.AnalyticsEvents.SingleAsync()).Ts.Should().Be(Utc(2025, 2, 3, 4, 5, 6));
    }

    [Fact]
    public async Task EF_writes_produce_the_legacy_text_format()
    {
        await using var db = await NewDbAsync();
        await using (var ctx = db.NewContext())
        {
            ctx.Users.Add(new LegacyUserRow
            {
                Email = "new@x.fi",
                ExternalUserId = "5f0c3f9e-7d7b-4b8e-9f7e-0b9e3d1c2a44",
                Role = LegacyRoles.TeskiAdmin,
                // Sub-microsecond digits are dropped, as a Python datetime has none.
                CreatedAt = Utc(2025, 7, 1, 9, 0).PlusNanoseconds(123_456_789),
                Onboarded = true,
                OnboardedAt = Utc(2025, 1, 15, 10, 0),
            });
            ctx.Tasks.Add(new LegacyTaskRow { Id = "v2-abc", Title = "T", DueIso = Utc(2025, 1, 15, 10, 0), OwnerUserId = "1" });
            await ctx.SaveChangesAsync();
        }

        var id = await db.ScalarAsync("SELECT id FROM \"user\" WHERE email = 'new@x.fi'");
        (await db.ReadStoredTextAsync("user", "created_at", id!)).Should().Be("2025-07-01 12:00:00.123456", "Helsinki wall time, +03:00 in July");
        (await db.ReadStoredTextAsync("user", "onboarded_at", id!)).Should().Be("2025-01-15 10:00:00.000000", "naive UTC");
        (await db.ReadStoredTextAsync("user", "role", id!)).Should().Be("TESKI_ADMIN");
        (await db.ReadStoredTextAsync("user", "onboarded", id!)).Should().Be(Provider == DatabaseProvider.Sqlite ? "1" : "true");
        (await db.ReadStoredTextAsync("task", "due_iso", "v2-abc")).Should().Be("2025-01-15 12:00:00.000000", "Helsinki wall time, +02:00 in January");
        (await db.ReadStoredTextAsync("task", "status", "v2-abc")).Should().Be("open");
    }

    [Fact]
    public async Task An_instant_in_the_repeated_autumn_hour_is_stored_as_wall_time_and_reads_back_as_the_earlier_occurrence()
    {
        // Known loss of the legacy format: 01:30Z is 03:30 EET, the same wall text as 00:30Z (03:30 EEST).
        await using var db = await NewDbAsync();
        await using (var ctx = db.NewContext())
        {
            ctx.Reminders.Add(new LegacyReminderRow { TaskId = "t", Persona = "p", CreatedAt = Utc(2025, 10, 26, 1, 30) });
            await ctx.SaveChangesAsync();
        }
        (await db.ReadStoredTextAsync("reminder", "created_at", 1)).Should().Be("2025-10-26 03:30:00.000000");
        await using var read = db.NewContext();
        (await read.Reminders.SingleAsync()).CreatedAt.Should().Be(Utc(2025, 10, 26, 0, 30));
    }

    [Fact]
    public async Task JSON_text_is_kept_verbatim_including_SQL_NULL_and_json_null()
    {
        const string odd = "{\"b\": 1,   \"a\": [2, 3] }"; // key order and spacing a re-serialisation would change
        await using var db = await NewDbAsync();
        await db.InsertMistakeLogAsync(1, 1, detail: odd);
        await db.InsertMistakeLogAsync(2, 1, detail: null);
        await db.InsertMistakeLogAsync(3, 1, detail: "null");
        await db.InsertMistakeLogAsync(4, 1, detail: "{}");

        await using (var ctx = db.NewContext())
        {
            var rows = await ctx.MistakeLogs.OrderBy(x => x.Id).ToListAsync();
            rows.Select(r => r.Detail).Should().Equal(odd, null, "null", "{}");
            foreach (var r in rows)
            {
                r.Weight = 0.5; // an unrelated update must not touch the JSON text
            }
            await ctx.SaveChangesAsync();
        }

        (await db.ReadStoredTextAsync("mistake_logs", "detail", 1)).Should().Be(odd);
        (await db.ReadStoredTextAsync("mistake_logs", "detail", 2)).Should().BeNull();
        (await db.ReadStoredTextAsync("mistake_logs", "detail", 3)).Should().Be("null");
    }

    [Fact]
    public async Task EF_writes_JSON_text_as_given()
    {
        const string config = "{\"tone\": \"calm\", \"ui\": {\"emojiSet\": [\"🙂\"]}}";
        await using var db = await NewDbAsync();
        await db.InsertUserAsync(1, null, "a@x.fi");
        await db.InsertLeaderboardAsync(1, 1, "JOIN1"); // PostgreSQL enforces pointsevent's foreign keys
        await using (var ctx = db.NewContext())
        {
            ctx.Personas.Add(new LegacyPersonaRow { Code = "mood_calm_v1", DisplayName = "Calm", Config = config, CreatedAt = Utc(2025, 1, 1, 0, 0) });
            ctx.PointsEvents.Add(new LegacyPointsEventRow { LeaderboardId = 1, UserId = 1, EventType = "task_completed", Points = 10, Meta = null, OccurredAt = Utc(2025, 1, 1, 0, 0) });
            await ctx.SaveChangesAsync();
        }
        (await db.ReadStoredTextAsync("personas", "config", 1)).Should().Be(config);
        (await db.ReadStoredTextAsync("pointsevent", "meta", 1)).Should().BeNull();
    }

    [Fact]
    public async Task Booleans_read_from_the_stored_representation()
    {
        await using var db = await NewDbAsync();
        await db.InsertUserAsync(1, null, "a@x.fi", onboarded: true, onboardedAt: "2025-01-15 10:00:00.000000");
        await db.InsertUserAsync(2, null, "b@x.fi", onboarded: false);
        await db.InsertReviewCardAsync(1, 1, "c1", "2025-01-16 10:00:00.000000", lastResult: null);
        await db.InsertReviewCardAsync(2, 1, "c2", "2025-01-16 10:00:00.000000", lastResult: true);
        await db.InsertReviewCardAsync(3, 1, "c3", "2025-01-16 10:00:00.000000", lastResult: false);

        await using var ctx = db.NewContext();
        (await ctx.Users.OrderBy(u => u.Id).Select(u => u.Onboarded).ToListAsync()).Should().Equal(true, false);
        (await ctx.Users.Where(u => u.Onboarded).Select(u => u.Id).ToListAsync()).Should().Equal(1);
        (await ctx.ReviewCards.OrderBy(c => c.Id).Select(c => c.LastResult).ToListAsync()).Should().Equal(null, true, false);
        if (Provider == DatabaseProvider.Sqlite)
        {
            (await db.ReadStoredTextAsync("review_cards", "last_result", 2)).Should().Be("1");
        }
    }

    [Fact]
    public async Task Role_enum_names_and_the_quoted_user_table()
    {
        await using var db = await NewDbAsync();
        var id = 1;
        foreach (var role in LegacyRoles.All)
        {
            await db.InsertUserAsync(id, Guid.NewGuid().ToString(), $"u{id}@x.fi", role: role);
            id++;
        }
        await db.InsertUserAsync(9, null, "old@x.fi"); // very old row: no external id

        await using var ctx = db.NewContext();
        var users = await ctx.Users.OrderBy(u => u.Id).ToListAsync();
        users.Select(u => u.Role).Should().Equal("STUDENT", "EDUCATOR", "INSTITUTION_ADMIN", "TESKI_ADMIN", "STUDENT");
        users.Should().OnlyContain(u => LegacyRoles.IsKnown(u.Role));
        users[^1].ExternalUserId.Should().BeNull();
        (await ctx.Users.CountAsync(u => u.Role == LegacyRoles.Educator)).Should().Be(1);
    }

    [Fact]
    public async Task Every_legacy_table_maps()
    {
        await using var db = await NewDbAsync();
        await db.InsertUserAsync(1, null, "a@x.fi");
        await db.InsertTaskAsync("gmail-abc", "1", source: LegacyTaskSources.Gmail, status: LegacyTaskStatuses.Overdue, priority: 3, confidence: 0.5, estimatedMinutes: 240);
        await db.InsertReminderAsync(1, "gmail-abc", LegacyEscalations.Intervention, "sergeant");
        await db.InsertPersonaAsync(1, "mood_done_v1", "Done", "{\"tone\": \"proud\"}");
        await db.InsertMistakeLogAsync(1, 1, errorType: "unit", errorSubtype: "near_miss", templateCode: "math.01", skillId: 4, instanceId: 1, weight: 0.25);
        await db.InsertMemoryStatsAsync(1, 1, 4, mistakeCount: 2, lastMissedAt: "2025-01-15 10:00:00.000000", stability: 0.27);
        await db.InsertResurfacePlanAsync(1, 1, "math.01", "2025-01-15 10:10:00.000000");
        await db.InsertReviewCardAsync(1, 1, "math.01", "2025-01-15 10:20:00.000000");
        await db.InsertTaskTemplateAsync(1, "math.01");
        await db.InsertTaskInstanceAsync(1, 1, 1, parameters: "{\"a\": 2}");
        await db.InsertTaskAttemptAsync(1, 1, 1, isCorrect: true, submittedAnswer: "42", latencyMs: 1200);
        await db.InsertLeaderboardAsync(1, 1, "JOIN1");
        await db.InsertLeaderboardMemberAsync(1, 1, 1, displayConsent: true);
        await db.InsertPointsEventAsync(1, 1, 1, "task_completed", 10, meta: "{\"task\": \"gmail-abc\"}");
        await db.InsertWeeklyScoreAsync(1, 1, 1, 2025, 3, 10);
        await db.InsertAnalyticsEventAsync(1, "1", "login");

        await using var ctx = db.NewContext();
        (await ctx.Users.SingleAsync()).Email.Should().Be("a@x.fi");
        var task = await ctx.Tasks.SingleAsync();
        (task.Source, task.Status, task.Priority, task.Confidence, task.EstimatedMinutes).Should().Be(("gmail", "overdue", 3, 0.5, 240));
        (await ctx.Reminders.SingleAsync()).Escalation.Should().Be("intervention");
        (await ctx.Personas.SingleAsync()).Config.Should().Be("{\"tone\": \"proud\"}");
        var mistake = await ctx.MistakeLogs.SingleAsync();
        (mistake.ErrorType, mistake.ErrorSubtype, mistake.TemplateCode, mistake.SkillId, mistake.InstanceId, mistake.Weight)
            .Should().Be(("unit", "near_miss", "math.01", 4, 1, 0.25));
        (await ctx.MemoryStats.SingleAsync()).Stability.Should().Be(0.27);
        (await ctx.ResurfacePlans.SingleAsync()).ScheduledFor.Should().Be(Utc(2025, 1, 15, 10, 10));
        (await ctx.ReviewCards.SingleAsync()).Easiness.Should().Be(2.3);
        (await ctx.TaskTemplates.SingleAsync()).TaskType.Should().Be("NUMERIC");
        (await ctx.TaskInstances.SingleAsync()).Params.Should().Be("{\"a\": 2}");
        var attempt = await ctx.TaskAttempts.SingleAsync();
        (attempt.IsCorrect, attempt.SubmittedAnswer, attempt.LatencyMs).Should().Be((true, "42", 1200));
        (await ctx.Leaderboards.SingleAsync()).JoinCode.Should().Be("JOIN1");
        (await ctx.LeaderboardMembers.SingleAsync()).DisplayConsent.Should().BeTrue();
        (await ctx.PointsEvents.SingleAsync()).Points.Should().Be(10);
        (await ctx.WeeklyScores.SingleAsync()).WeekNumber.Should().Be(3);
        (await ctx.AnalyticsEvents.SingleAsync()).EventType.Should().Be("login");
    }

    [Fact]
    public async Task EF_inserts_after_legacy_rows_get_fresh_ids()
    {
        await using var db = await NewDbAsync();
        await db.InsertMistakeLogAsync(5, 1);
        await using var ctx = db.NewContext();
        var row = new LegacyMistakeLogRow { UserId = 1, ErrorType = "recall", ErrorSubtype = "sign", Detail = "{}", OccurredAt = Utc(2025, 1, 1, 0, 0) };
        ctx.MistakeLogs.Add(row);
        await ctx.SaveChangesAsync();
        row.Id.Should().Be(6);
        (await db.ReadStoredTextAsync("mistake_logs", "error_subtype", 6)).Should().Be("sign");
    }

    [Fact]
    public async Task A_database_without_error_subtype_reads_and_writes()
    {
        await using var db = await NewDbAsync(withErrorSubtype: false);
        (await LegacySchema.HasErrorSubtypeColumnAsync(db.Url)).Should().BeFalse();
        (await LegacySchema.DetectErrorSubtypeAsync(db.Url)).Should().BeFalse();
        await db.InsertMistakeLogAsync(1, 1, detail: "{\"reason\": \"unit\"}");

        await using (var ctx = await LegacyDbContextFactory.CreateAsync(db.Url))
        {
            ctx.HasErrorSubtype.Should().BeFalse();
            var existing = await ctx.MistakeLogs.SingleAsync();
            existing.ErrorSubtype.Should().BeNull();
            ctx.MistakeLogs.Add(new LegacyMistakeLogRow { UserId = 1, ErrorSubtype = "unit", Detail = "{}", OccurredAt = Utc(2025, 1, 1, 0, 0) });
            await ctx.SaveChangesAsync();
        }

        (await db.ScalarAsync("SELECT COUNT(*) FROM mistake_logs")).Should().BeEquivalentTo(2L);
        (await LegacySchema.HasErrorSubtypeColumnAsync(db.Url)).Should().BeFalse("the store never alters a legacy table");

        // The model with the column is cached separately: a database with it still maps it.
        await using var withColumn = await NewDbAsync();
        await withColumn.InsertMistakeLogAsync(1, 1, errorSubtype: "sign");
        await using var ctx2 = await LegacyDbContextFactory.CreateAsync(withColumn.Url);
        ctx2.HasErrorSubtype.Should().BeTrue();
        (await ctx2.MistakeLogs.SingleAsync()).ErrorSubtype.Should().Be("sign");
    }

    [Fact]
    public async Task CreateIfEmpty_creates_every_legacy_table_once()
    {
        await using var db = await LegacyFixtureDb.CreateEmptyAsync(Provider);
        (await LegacySchema.CreateIfEmptyAsync(db.Url)).Should().BeTrue();
        (await LegacySchema.CreateIfEmptyAsync(db.Url)).Should().BeFalse();

        foreach (var table in LegacySchema.LegacyTables)
        {
            var quoted = table == "user" ? "\"user\"" : table;
            (await db.ScalarAsync($"SELECT COUNT(*) FROM {quoted}")).Should().BeEquivalentTo(0L, table);
        }
        LegacySchema.LegacyTables.Should().HaveCount(16);
        (await LegacySchema.HasErrorSubtypeColumnAsync(db.Url)).Should().BeTrue();
    }

    [Fact]
    public async Task CreateIfEmpty_is_a_no_op_when_any_legacy_table_exists_and_never_alters_it()
    {
        await using var db = await LegacyFixtureDb.CreateEmptyAsync(Provider, hasErrorSubtype: false);
        // An odd, older shape of one legacy table: it must be left exactly as it is.
        await db.ExecuteAsync("CREATE TABLE mistake_logs (id INTEGER NOT NULL PRIMARY KEY, user_id INTEGER NOT NULL, note VARCHAR)");
        await db.ExecuteAsync("INSERT INTO mistake_logs (id, user_id, note) VALUES (1, 2, 'keep')");
        var before = await ColumnsAsync(db, "mistake_logs");

        (await LegacySchema.CreateIfEmptyAsync(db.Url)).Should().BeFalse();

        (await ColumnsAsync(db, "mistake_logs")).Should().Equal(before);
        (await db.ScalarAsync("SELECT note FROM mistake_logs WHERE id = 1")).Should().Be("keep");
        (await TableExistsAsync(db, "user")).Should().BeFalse("no other legacy table is created either");
    }

    [Fact]
    public async Task Support_tables_are_created_idempotently_and_map()
    {
        await using var db = await NewDbAsync();
        await LegacySchema.EnsureSupportTablesAsync(db.Url);
        await LegacySchema.EnsureSupportTablesAsync(db.Url);

        var first = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        var second = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");
        var v2 = Guid.Parse("a8098c1a-f86e-11da-bd1a-00112444be1e");
        await using (var ctx = db.NewContext())
        {
            ctx.MirrorBacklog.Add(new MirrorBacklogRow { Id = first, Stream = "user:1", Kind = "mistake.logged", Payload = "{\"id\": 1}", CreatedAt = Utc(2025, 1, 1, 0, 0), NextAttemptAt = Utc(2025, 1, 1, 0, 0) });
            await ctx.SaveChangesAsync();
            ctx.MirrorBacklog.Add(new MirrorBacklogRow { Id = second, Stream = "user:1", Kind = "mistake.logged", Payload = "{}", CreatedAt = Utc(2025, 1, 1, 0, 0), NextAttemptAt = Utc(2025, 1, 1, 0, 0) });
            ctx.MirrorApplied.Add(new MirrorAppliedRow { RecordId = first, AppliedAt = Utc(2025, 1, 2, 3, 4).PlusNanoseconds(5_000) });
            ctx.RowLinks.Add(new RowLinkRow { Entity = "user", LegacyId = "1", V2Id = v2 });
            await ctx.SaveChangesAsync();
        }

        await using var read = db.NewContext();
        var backlog = await read.MirrorBacklog.OrderBy(b => b.Seq).ToListAsync();
        backlog.Select(b => b.Id).Should().Equal(first, second);
        backlog[1].Seq.Should().BeGreaterThan(backlog[0].Seq);
        backlog[0].Attempts.Should().Be(0);
        (await read.MirrorApplied.SingleAsync()).AppliedAt.Should().Be(Utc(2025, 1, 2, 3, 4).PlusNanoseconds(5_000));
        (await read.RowLinks.SingleAsync(l => l.Entity == "user" && l.LegacyId == "1")).V2Id.Should().Be(v2);
        if (Provider == DatabaseProvider.Sqlite)
        {
            (await db.ReadStoredTextAsync("legacy_row_link", "v2_id", "user", "entity")).Should().Be("a8098c1af86e11dabd1a00112444be1e");
            (await db.ScalarAsync("SELECT applied_at FROM teski_mirror_applied")).Should().Be("2025-01-02 03:04:00.000005");
        }
    }

    [Fact]
    public async Task AddLegacyStore_registers_a_factory_that_detects_the_database_shape()
    {
        await using var db = await NewDbAsync(withErrorSubtype: false);
        await db.InsertMistakeLogAsync(1, 3);
        var services = new ServiceCollection().AddLegacyStore(db.Url).BuildServiceProvider();
        await using var _ = services;

        var factory = services.GetRequiredService<IDbContextFactory<LegacyDbContext>>();
        await using var ctx = await factory.CreateDbContextAsync();
        ctx.HasErrorSubtype.Should().BeFalse();
        (await ctx.MistakeLogs.SingleAsync()).UserId.Should().Be(3);
    }

    protected async Task<List<string>> ColumnsAsync(LegacyFixtureDb db, string table)
    {
        var sql = Provider == DatabaseProvider.Sqlite
            ? "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info(@p0) ORDER BY cid)"
            : "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @p0";
        return [.. ((string?)await db.ScalarAsync(sql, table) ?? "").Split(',')];
    }

    protected async Task<bool> TableExistsAsync(LegacyFixtureDb db, string table)
    {
        var sql = Provider == DatabaseProvider.Sqlite
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @p0"
            : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @p0";
        return Convert.ToInt64(await db.ScalarAsync(sql, table), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }
}

public sealed class SqliteLegacyStoreTests : LegacyStoreTests
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    [Theory]
    [InlineData("2025-03-01T10:00:00+02:00", "2025-03-01T08:00:00Z")] // explicit offset wins over Helsinki
    [InlineData("2025-03-01T10:00:00Z", "2025-03-01T10:00:00Z")]
    [InlineData("2025-03-01T10:00:00", "2025-03-01T08:00:00Z")] // T separator, Helsinki
    [InlineData("2025-03-01 10:00:00.5", "2025-03-01T08:00:00.5Z")] // fewer fraction digits
    [InlineData("2025-03-01 10:00:00", "2025-03-01T08:00:00Z")]
    public async Task Hand_edited_values_in_a_Helsinki_column_are_read(string stored, string expected)
    {
        await using var db = await NewDbAsync();
        await db.InsertUserAsync(1, null, "a@x.fi", createdAt: stored);
        await using var ctx = db.NewContext();
        (await ctx.Users.SingleAsync()).CreatedAt.Should().Be(NodaTime.Text.InstantPattern.ExtendedIso.Parse(expected).Value);
    }

    [Fact]
    public async Task An_ISO_offset_value_in_a_UTC_column_honours_the_offset()
    {
        await using var db = await NewDbAsync();
        await db.InsertMistakeLogAsync(1, 1, occurredAt: "2025-03-01T10:00:00+02:00");
        await using var ctx = db.NewContext();
        (await ctx.MistakeLogs.SingleAsync()).OccurredAt.Should().Be(Utc(2025, 3, 1, 8, 0));
    }

    [Fact]
    public async Task Invalid_JSON_round_trips_untouched()
    {
        const string broken = "{'reason': 'unit', trailing";
        await using var db = await NewDbAsync();
        await db.InsertMistakeLogAsync(1, 1, detail: broken);

        await using (var ctx = db.NewContext())
        {
            var row = await ctx.MistakeLogs.SingleAsync();
            row.Detail.Should().Be(broken);
            row.ResolvedAt = Utc(2025, 1, 1, 0, 0);
            await ctx.SaveChangesAsync();
        }
        (await db.ReadStoredTextAsync("mistake_logs", "detail", 1)).Should().Be(broken);

        await using (var ctx = db.NewContext())
        {
            ctx.MistakeLogs.Add(new LegacyMistakeLogRow { UserId = 1, Detail = "not json", OccurredAt = Utc(2025, 1, 1, 0, 0) });
            await ctx.SaveChangesAsync();
        }
        (await db.ReadStoredTextAsync("mistake_logs", "detail", 2)).Should().Be("not json");
    }

    [Fact]
    public async Task Orphan_rows_stay_writable_because_SQLite_foreign_keys_stay_off_as_in_the_legacy_app()
    {
        await using var db = await NewDbAsync();
        await db.InsertPointsEventAsync(1, leaderboardId: 99, userId: 42, "task_completed", 10); // no such board or user
        await using var ctx = db.NewContext();
        (await ctx.PointsEvents.SingleAsync()).Points = 11;
        ctx.PointsEvents.Add(new LegacyPointsEventRow { LeaderboardId = 99, UserId = 42, EventType = "streak_bonus", Points = 5, OccurredAt = Utc(2025, 1, 1, 0, 0) });
        await ctx.SaveChangesAsync();
        (await db.ScalarAsync("SELECT SUM(points) FROM pointsevent")).Should().BeEquivalentTo(16L);
    }

    [Fact]
    public async Task Created_tables_use_SQLAlchemy_style_DDL()
    {
        await using var db = await NewDbAsync();
        var userSql = (string?)await db.ScalarAsync("SELECT sql FROM sqlite_master WHERE name = 'user'");
        userSql.Should().StartWith("CREATE TABLE \"user\"").And.Contain("id INTEGER NOT NULL PRIMARY KEY").And.Contain("created_at DATETIME NOT NULL")
            .And.Contain("onboarded BOOLEAN NOT NULL");
        var mistakes = (string?)await db.ScalarAsync("SELECT sql FROM sqlite_master WHERE name = 'mistake_logs'");
        mistakes.Should().Contain("detail JSON").And.Contain("weight FLOAT NOT NULL");
        (await db.ScalarAsync("SELECT sql FROM sqlite_master WHERE name = 'ix_user_email'")).Should().Be("CREATE UNIQUE INDEX ix_user_email ON \"user\" (email)");
        ((string?)await db.ScalarAsync("SELECT sql FROM sqlite_master WHERE name = 'memory_stats'")).Should().Contain("CONSTRAINT uq_mem_user_skill UNIQUE (user_id, skill_id)");
    }
}

public sealed class PostgresLegacyStoreTests : LegacyStoreTests
{
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;

    [Fact]
    public async Task Created_tables_use_the_types_SQLAlchemy_creates_on_PostgreSQL()
    {
        await using var db = await NewDbAsync();
        (await ColumnsAsync(db, "user")).Should().Contain(["id:integer", "email:character varying", "created_at:timestamp without time zone", "onboarded:boolean"]);
        (await ColumnsAsync(db, "personas")).Should().Contain("config:json");
        (await ColumnsAsync(db, "mistake_logs")).Should().Contain(["detail:json", "weight:double precision"]);
        ((string?)await db.ScalarAsync("SELECT column_default FROM information_schema.columns WHERE table_name = 'user' AND column_name = 'id'"))
            .Should().StartWith("nextval(", "a serial PK");
        (await ColumnsAsync(db, "teski_mirror_backlog")).Should().Contain(["id:uuid", "payload:jsonb", "created_at:timestamp with time zone"]);
    }

    [Fact]
    public async Task The_json_column_rejects_invalid_JSON_so_it_cannot_occur_there()
    {
        await using var db = await NewDbAsync();
        var act = () => db.InsertMistakeLogAsync(1, 1, detail: "not json");
        await act.Should().ThrowAsync<Npgsql.PostgresException>();
    }
}
