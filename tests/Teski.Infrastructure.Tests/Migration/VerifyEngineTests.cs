using System.Text.Json;
using NodaTime;
using NodaTime.Testing;
using Teski.Domain.Common;
using Teski.Infrastructure.Migration;
using Teski.Testing.Migration;

namespace Teski.Infrastructure.Tests.Migration;

public class VerifyEngineTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 1, 10, 12, 0);

    private static async Task<MigrationStores> MigratedAsync(string v2)
    {
        var s = await MigrationStores.CreateAsync("sqlite", v2);
        await LegacySeed.StandardAsync(s.Legacy);
        var report = await new BackfillEngine().RunAsync(new BackfillOptions { LegacyUrl = s.LegacyUrl, TargetUrl = s.V2Url, Clock = new FakeClock(Now) }, null, default);
        report.HasFailures.Should().BeFalse();
        return s;
    }

    private static Task<VerifyReport> VerifyAsync(MigrationStores s) =>
        new VerifyEngine().RunAsync(new VerifyOptions { LegacyUrl = s.LegacyUrl, TargetUrl = s.V2Url, Clock = new FakeClock(Now) }, default);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("pg")]
    public async Task Passes_after_backfill_and_serialises_to_json(string v2)
    {
        await using var s = await MigratedAsync(v2);
        var report = await VerifyAsync(s);
        report.Passed.Should().BeTrue(report.ToTable());
        report.ExitCode.Should().Be(0);
        var json = JsonDocument.Parse(report.ToJson()).RootElement;
        json.GetProperty("passed").GetBoolean().Should().BeTrue();
        var mistakes = json.GetProperty("entities").EnumerateArray().Single(e => e.GetProperty("entity").GetString() == "mistakes");
        mistakes.GetProperty("legacy_count").GetInt64().Should().Be(4);
        mistakes.GetProperty("v2_count").GetInt64().Should().Be(4);
        mistakes.GetProperty("excluded").GetProperty("user not migrated").GetInt64().Should().Be(1);
        mistakes.GetProperty("legacy_checksum").GetString().Should().HaveLength(64).And.Be(mistakes.GetProperty("v2_checksum").GetString());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("pg")]
    public async Task Fails_naming_the_key_when_a_v2_row_is_changed(string v2)
    {
        await using var s = await MigratedAsync(v2);
        await SchemaForTests.ExecAsync(s.V2, $"UPDATE mistake SET concept = 'tampered' WHERE id = {s.Uuid(StableId.For("mistake_logs", 2))}");
        var report = await VerifyAsync(s);
        report.Passed.Should().BeFalse();
        report.ExitCode.Should().Be(1);
        var m = report.Entities.Single(e => e.Entity == "mistakes");
        (m.Different, m.Missing).Should().Be((1, 0));
        m.LegacyChecksum.Should().NotBe(m.V2Checksum);
        m.Differences.Single().Key.Should().Be("2");
        m.Differences.Single().Reason.Should().Contain("tampered");
        report.Entities.Where(e => e.Entity != "mistakes").Should().OnlyContain(e => e.Passed);
        report.ToTable().Should().Contain("mistakes: 2: differs").And.Contain("verify: FAILED");
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("pg")]
    public async Task Fails_naming_the_key_when_a_v2_row_is_deleted(string v2)
    {
        await using var s = await MigratedAsync(v2);
        await SchemaForTests.ExecAsync(s.V2, $"DELETE FROM xpevent WHERE id = {s.Uuid(StableId.For("pointsevent", 2))}");
        await SchemaForTests.ExecAsync(s.V2, "DELETE FROM legacy_task_map WHERE legacy_task_id = 'gmail-abc'");
        var report = await VerifyAsync(s);
        var xp = report.Entities.Single(e => e.Entity == "xp");
        (xp.Missing, xp.LegacyCount, xp.V2Count).Should().Be((1, 2, 1));
        xp.Differences.Single().Should().Be(new KeyedReason("2", "missing in v2"));
        report.Entities.Single(e => e.Entity == "tasks").Differences.Single().Key.Should().Be("gmail-abc");
        report.Passed.Should().BeFalse();
    }

    [Fact]
    public async Task Fails_naming_the_key_when_a_legacy_row_changes_after_the_backfill()
    {
        await using var s = await MigratedAsync("sqlite");
        await SchemaForTests.ExecAsync(s.Legacy, "UPDATE mistake_logs SET detail = '{\"reason\": \"edited\"}' WHERE id = 1");
        await SchemaForTests.ExecAsync(s.Legacy, "UPDATE \"user\" SET display_name = 'Renamed' WHERE id = 4");
        var report = await VerifyAsync(s);
        report.Entities.Single(e => e.Entity == "mistakes").Differences.Single().Key.Should().Be("1");
        report.Entities.Single(e => e.Entity == "users").Differences.Single().Key.Should().Be("4");
        report.Passed.Should().BeFalse();
    }

    [Fact]
    public async Task An_existing_user_map_row_wins_and_the_user_is_not_duplicated()
    {
        await using var s = await MigrationStores.CreateAsync("sqlite", "pg");
        await LegacySeed.StandardAsync(s.Legacy);
        // The dual-write bridge already created legacy user 1 in v2 under its own id.
        var bridged = Guid.NewGuid();
        await SchemaForTests.ExecAsync(s.V2, "INSERT INTO \"user\" (id, created_at, timezone, display_name, email, streak_days, persona, is_pro, analytics_consent, is_institution_admin) " +
            $"VALUES ('{bridged}', '2025-01-15T10:00:00Z', 'Europe/Helsinki', 'Ann', 'ann@example.com', 3, 'coach', false, true, false)");
        await SchemaForTests.ExecAsync(s.V2, $"INSERT INTO legacy_user_map (legacy_user_id, user_id) VALUES (1, '{bridged}')");

        var report = await new BackfillEngine().RunAsync(new BackfillOptions { LegacyUrl = s.LegacyUrl, TargetUrl = s.V2Url, Clock = new FakeClock(Now) }, null, default);
        var users = report.Entities.Single(e => e.Entity == "users");
        (users.Inserted, users.AlreadyPresent).Should().Be((4, 1));
        (await s.CountAsync(s.V2, "user")).Should().Be(5);
        (await s.CountAsync(s.V2, $"SELECT count(*) FROM task WHERE user_id = '{bridged}'")).Should().Be(1);
        (await MigrationStores.ScalarAsync(s.V2, $"SELECT persona FROM \"user\" WHERE id = '{bridged}'")).Should().Be("coach", "an existing persona is kept");
        (await VerifyAsync(s)).Passed.Should().BeTrue();
    }
}
