using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.V2;
using Teski.Testing;
using Teski.Testing.V2;

namespace Teski.Infrastructure.Tests.V2;

public sealed class SqliteV2StoreTests : IDisposable
{
    private static readonly Instant T0 = Instant.FromUtc(2025, 3, 14, 9, 26, 53) + Duration.FromTicks(5_897_930); // .589793
    private readonly TempDir _dir = new();
    private readonly V2StoreMigrator _migrator = new();

    public void Dispose() => _dir.Dispose();

    private static DatabaseUrl Url(string path) => new(DatabaseProvider.Sqlite, $"Data Source={path}");

    [Fact]
    public async Task Adopting_a_previous_stack_database_keeps_every_row_and_new_rows_use_its_layout()
    {
        var path = _dir.File("teski_v2.db");
        await PreviousStackV2Database.CreateSqliteAsync(path);
        var user = await PreviousStackV2Database.InsertUserAsync(path, T0, timezone: "Europe/Helsinki", displayName: "Aino", streakDays: 3, lastStreakAt: T0, persona: "snark", analyticsConsent: false);
        var task = await PreviousStackV2Database.InsertTaskAsync(path, user, "Derivatives", T0 + Duration.FromDays(2), T0, course: "MATH-101");
        var item = await PreviousStackV2Database.InsertMemoryItemAsync(path, user, "chain rule", T0 + Duration.FromHours(1), taskId: task, ease: 2.36, interval: 6, stability: 6, difficulty: 0.33, lapses: 1);
        var mistake = await PreviousStackV2Database.InsertMistakeAsync(path, user, "chain rule", "d/dx sin(2x) = cos(2x)", T0, subtype: "legacy:conceptual", taskId: task);
        var review = await PreviousStackV2Database.InsertReviewLogAsync(path, user, item, 4, T0, T0 + Duration.FromSeconds(90), T0 + Duration.FromDays(6));
        var xp = await PreviousStackV2Database.InsertXpEventAsync(path, user, 10, "review", T0);
        var ev = await PreviousStackV2Database.InsertAnalyticsEventAsync(path, user, "xp.awarded", """{"reason": "review", "total": 10}""", T0);
        // A datetime written without a fraction (Python's isoformat when microsecond == 0): must still read.
        await PreviousStackV2Database.ExecuteAsync(path, "UPDATE xpevent SET ts = '2025-03-14 09:26:53' WHERE id = $id", ("$id", PreviousStackV2Database.Hex(xp)));
        var before = await DumpAsync(path);

        var report = await _migrator.MigrateAsync(Url(path), default);

        report.Adopted.Should().BeTrue();
        report.MigrationsApplied.Select(m => m[15..]).Should().Equal("TeskiAdditions", "MirrorBacklogPendingIndexes", "MirrorBacklogLeanIndexes", "MirrorBacklogAppliedIndex", "MirrorLedgerAppliedIndex");
        report.TablesPresent.Should().Contain(PreviousStackV2Database.Tables).And.Contain(["legacy_task_detail", "legacy_row_link", "migration_checkpoint", "teski_mirror_backlog", "teski_mirror_applied", "__EFMigrationsHistory"]);
        (await DumpAsync(path)).Should().BeEquivalentTo(before, o => o.WithStrictOrdering(), "adoption must not change a stored byte");
        (await HistoryAsync(path)).Should().HaveCount(6);

        await using (var db = V2DbContextFactory.Create(Url(path)))
        {
            var u = await db.Users.SingleAsync(x => x.Id == user);
            u.CreatedAt.Should().Be(T0);
            u.LastStreakAt.Should().Be(T0);
            u.Timezone.Should().Be("Europe/Helsinki");
            u.AnalyticsConsent.Should().BeFalse();
            u.IsPro.Should().BeFalse();
            var m = await db.MemoryItems.SingleAsync(x => x.UserId == user && x.Concept == "chain rule");
            m.Id.Should().Be(item);
            m.TaskId.Should().Be(task);
            m.DueAt.Should().Be(T0 + Duration.FromHours(1));
            (m.Ease, m.Interval, m.Stability, m.Difficulty, m.Lapses).Should().Be((2.36, 6, 6.0, 0.33, 1));
            (await db.Mistakes.SingleAsync(x => x.Id == mistake)).Subtype.Should().Be("legacy:conceptual");
            var r = await db.ReviewLogs.SingleAsync(x => x.Id == review);
            (r.MemoryId, r.Grade, r.DeltaSeconds, r.ReviewedAt).Should().Be((item, 4, 90, T0 + Duration.FromSeconds(90)));
            (await db.XpEvents.SingleAsync(x => x.Id == xp)).Ts.Should().Be(Instant.FromUtc(2025, 3, 14, 9, 26, 53));
            (await db.AnalyticsEvents.SingleAsync(x => x.Id == ev)).Payload.Should().Be("""{"reason": "review", "total": 10}""");
            // Range queries compare the stored text; fixed-width text keeps them in time order.
            (await db.MemoryItems.CountAsync(x => x.DueAt <= T0 + Duration.FromHours(2))).Should().Be(1);
            (await db.MemoryItems.CountAsync(x => x.DueAt <= T0)).Should().Be(0);

            db.MemoryItems.Add(new MemoryItemRow { Id = Guid.NewGuid(), UserId = user, Concept = "product rule", DueAt = T0 + Duration.FromMinutes(10) });
            db.XpEvents.Add(new XpEventRow { Id = Guid.NewGuid(), UserId = user, Amount = 3, Reason = "mistake", Ts = Instant.FromUtc(2025, 3, 15, 0, 0) });
            await db.SaveChangesAsync();
        }

        var raw = await PreviousStackV2Database.QueryAsync(path,
            "SELECT id, user_id, task_id, due_at, typeof(ease), typeof(due_at) FROM memoryitem WHERE concept = 'product rule'");
        raw.Should().ContainSingle();
        ((string)raw[0][0]!).Should().MatchRegex("^[0-9a-f]{32}$");
        raw[0][1].Should().Be(PreviousStackV2Database.Hex(user));
        raw[0][2].Should().BeNull();
        raw[0][3].Should().Be(PreviousStackV2Database.Text(T0 + Duration.FromMinutes(10))).And.Be("2025-03-14 09:36:53.589793");
        raw[0][4].Should().Be("real");
        raw[0][5].Should().Be("text");
        (await PreviousStackV2Database.QueryAsync(path, "SELECT ts FROM xpevent WHERE reason = 'mistake'"))[0][0].Should().Be("2025-03-15 00:00:00.000000");
    }

    [Fact]
    public async Task Migrating_again_is_a_no_op()
    {
        var path = _dir.File("teski_v2.db");
        await PreviousStackV2Database.CreateSqliteAsync(path);
        var user = await PreviousStackV2Database.InsertUserAsync(path, T0);
        await PreviousStackV2Database.InsertMemoryItemAsync(path, user, "limits", T0);
        (await _migrator.MigrateAsync(Url(path), default)).Adopted.Should().BeTrue();
        var dump = await DumpAsync(path);
        var history = await HistoryAsync(path);

        var again = await _migrator.MigrateAsync(Url(path), default);

        again.Adopted.Should().BeFalse();
        again.MigrationsApplied.Should().BeEmpty();
        (await HistoryAsync(path)).Should().Equal(history);
        (await DumpAsync(path)).Should().BeEquivalentTo(dump, o => o.WithStrictOrdering());
        (await _migrator.IsUpToDateAsync(Url(path))).Should().BeTrue();
    }

    [Fact]
    public async Task A_partial_previous_stack_database_is_refused_naming_what_is_missing()
    {
        var path = _dir.File("teski_v2.db");
        await PreviousStackV2Database.CreateSqliteAsync(path);
        await PreviousStackV2Database.ExecuteAsync(path, "DROP TABLE reviewlog; DROP INDEX ix_xpevent_reason; ALTER TABLE xpevent DROP COLUMN reason;");

        var act = () => _migrator.MigrateAsync(Url(path), default);

        var ex = (await act.Should().ThrowAsync<V2StoreMigrationException>()).Which;
        ex.Message.Should().Contain("table reviewlog is missing").And.Contain("column xpevent.reason is missing");
        (await TablesAsync(path)).Should().NotContain("__EFMigrationsHistory").And.NotContain("teski_mirror_backlog");
        (await _migrator.IsUpToDateAsync(Url(path))).Should().BeFalse();
    }

    [Fact]
    public async Task Duplicate_memory_items_in_an_adopted_database_are_refused_before_anything_is_written()
    {
        var path = _dir.File("teski_v2.db");
        await PreviousStackV2Database.CreateSqliteAsync(path);
        var user = await PreviousStackV2Database.InsertUserAsync(path, T0);
        await PreviousStackV2Database.InsertMemoryItemAsync(path, user, "fractions", T0);
        await PreviousStackV2Database.InsertMemoryItemAsync(path, user, "fractions", T0 + Duration.FromDays(1));
        await PreviousStackV2Database.InsertMemoryItemAsync(path, user, "limits", T0);
        var dump = await DumpAsync(path);

        var act = () => _migrator.MigrateAsync(Url(path), default);

        var ex = (await act.Should().ThrowAsync<V2StoreMigrationException>()).Which;
        ex.Message.Should().Contain("table memoryitem has 1 (user_id, concept) value(s) held by more than one row (2 rows in all)")
            .And.Contain("teski_ux_memoryitem_user_concept");
        (await TablesAsync(path)).Should().NotContain("__EFMigrationsHistory").And.NotContain("legacy_task_detail");
        (await DumpAsync(path)).Should().BeEquivalentTo(dump, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task A_fresh_store_is_created_with_its_directory_and_round_trips_every_row_type()
    {
        var path = Path.Combine(_dir.Path, "data", "nested", "teski_v2.db");

        (await _migrator.IsUpToDateAsync(Url(path))).Should().BeFalse();
        var report = await _migrator.MigrateAsync(Url(path), default);

        report.Adopted.Should().BeFalse();
        report.MigrationsApplied.Select(m => m[15..]).Should().Equal("PreviousStackBaseline", "TeskiAdditions", "MirrorBacklogPendingIndexes", "MirrorBacklogLeanIndexes", "MirrorBacklogAppliedIndex", "MirrorLedgerAppliedIndex");
        (await _migrator.IsUpToDateAsync(Url(path))).Should().BeTrue();

        var rows = V2RowSamples.Create(T0);
        await using (var db = V2DbContextFactory.Create(Url(path)))
        {
            rows.AddTo(db);
            await db.SaveChangesAsync();
        }
        await using (var db = V2DbContextFactory.Create(Url(path)))
        {
            await rows.AssertRoundTripAsync(db);
        }

        // The mirror backlog's seq is assigned by the store, increasing.
        var seqs = await PreviousStackV2Database.QueryAsync(path, "SELECT seq FROM teski_mirror_backlog ORDER BY seq");
        seqs.Select(r => (long)r[0]!).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems().And.HaveCount(2);
        var ids = await PreviousStackV2Database.QueryAsync(path, "SELECT record_id FROM teski_mirror_applied");
        ((string)ids[0][0]!).Should().MatchRegex("^[0-9a-f]{32}$");
    }

    private static async Task<List<string>> TablesAsync(string path) =>
        (await PreviousStackV2Database.QueryAsync(path, "SELECT name FROM sqlite_master WHERE type = 'table'")).Select(r => (string)r[0]!).ToList();

    private static async Task<List<string>> HistoryAsync(string path) =>
        (await PreviousStackV2Database.QueryAsync(path, "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId")).Select(r => (string)r[0]!).ToList();

    /// <summary>Every row of every previous-stack table, values exactly as stored.</summary>
    private static async Task<List<object?[]>> DumpAsync(string path)
    {
        var all = new List<object?[]>();
        foreach (var table in PreviousStackV2Database.Tables)
        {
            var rows = await PreviousStackV2Database.QueryAsync(path, $"SELECT '{table}', * FROM \"{table}\" ORDER BY rowid");
            all.AddRange(rows);
        }
        return all;
    }
}

public sealed class AddV2StoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_registered_factory_gives_the_provider_context_for_the_url()
    {
        var url = new DatabaseUrl(DatabaseProvider.Sqlite, $"Data Source={_dir.File("teski_v2.db")}");
        var services = new ServiceCollection().AddV2Store(url);
        await using var sp = services.BuildServiceProvider();

        await sp.GetRequiredService<V2StoreMigrator>().MigrateAsync(url, default);
        var factory = sp.GetRequiredService<IDbContextFactory<V2DbContext>>();
        await using var db = factory.CreateDbContext();

        db.Should().BeOfType<SqliteV2DbContext>();
        (await db.Users.CountAsync()).Should().Be(0);
    }
}
