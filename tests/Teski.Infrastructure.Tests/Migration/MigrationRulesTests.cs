using NodaTime;
using NodaTime.Text;
using Teski.Domain.Common;
using Teski.Infrastructure.Migration.Rules;

namespace Teski.Infrastructure.Tests.Migration;

public class MigrationRulesTests
{
    private static readonly DateTimeZone Helsinki = LegacyTime.Zone("Europe/Helsinki");

    private static Instant I(string iso) => InstantPattern.ExtendedIso.Parse(iso).Value;

    [Theory]
    [InlineData("2025-01-15 12:00:00.000000", "2025-01-15T10:00:00Z")] // winter, +02
    [InlineData("2025-07-01 12:00:00", "2025-07-01T09:00:00Z")] // summer, +03, no microseconds
    [InlineData("2025-03-30 03:30:00.000000", "2025-03-30T01:30:00Z")] // spring gap: read with the pre-gap offset (Python fold=0)
    [InlineData("2025-10-26 03:30:00.000000", "2025-10-26T00:30:00Z")] // autumn overlap: the earlier (summer) instant
    [InlineData("2025-10-26 04:30:00.000000", "2025-10-26T02:30:00Z")] // after the overlap: winter time
    [InlineData("2025-03-01T10:00:00+02:00", "2025-03-01T08:00:00Z")] // explicit offset honoured
    [InlineData("2025-07-01T10:00:00-0500", "2025-07-01T15:00:00Z")]
    [InlineData("2025-07-01T10:00:00Z", "2025-07-01T10:00:00Z")]
    [InlineData("2025-07-01 10:00:00.5", "2025-07-01T07:00:00.5Z")]
    public void Helsinki_wall_time_becomes_utc_with_real_zone_rules(string legacy, string utc) =>
        LegacyTime.ParseWallTime(legacy, Helsinki).Value.Should().Be(I(utc));

    [Theory]
    [InlineData("2025-01-15 12:00:00.123456", "2025-01-15T12:00:00.123456Z")]
    [InlineData("2025-01-15 12:00:00", "2025-01-15T12:00:00Z")]
    [InlineData("2025-01-15T12:00:00+02:00", "2025-01-15T10:00:00Z")]
    public void Naive_columns_are_utc(string legacy, string utc) =>
        LegacyTime.ParseUtc(legacy).Value.Should().Be(I(utc));

    [Fact]
    public void Postgres_naive_timestamps_are_wall_time_too() =>
        LegacyTime.ParseWallTime(new DateTime(2025, 7, 1, 12, 0, 0, DateTimeKind.Unspecified), Helsinki).Value.Should().Be(I("2025-07-01T09:00:00Z"));

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2025-13-01 00:00:00")]
    [InlineData("2025-01-01 25:00:00")]
    [InlineData("2025-01-01 10:00:00+99:00")]
    [InlineData("")]
    public void Unparseable_values_are_reported_not_guessed(string legacy)
    {
        var r = LegacyTime.ParseUtc(legacy);
        r.Value.Should().BeNull();
        r.Error.Should().StartWith("unparseable datetime");
    }

    [Fact]
    public void Null_is_neither_a_value_nor_an_error() => LegacyTime.ParseUtc(null).IsNull.Should().BeTrue();

    [Theory]
    [InlineData("alg-1", 7L, "alg-1")]
    [InlineData(null, 7L, "skill:7")]
    [InlineData("  ", 7L, "skill:7")]
    [InlineData(null, null, "unknown")]
    public void Concept_rule(string? code, long? skill, string expected) => MigrationRules.Concept(code, skill).Should().Be(expected);

    [Theory]
    [InlineData("near_miss", "concept", "legacy:near_miss")]
    [InlineData(null, "recall", "legacy:recall")]
    [InlineData(null, null, "legacy:other")]
    [InlineData("custom:thing", "recall", "custom:thing")]
    [InlineData(null, "legacy:unit", "legacy:unit")]
    public void Subtype_rule(string? subtype, string? type, string expected) => MigrationRules.Subtype(subtype, type).Should().Be(expected);

    [Theory]
    [InlineData("{\"reason\": \"close\"}", "{\"reason\": \"close\"}")] // valid JSON carried verbatim
    [InlineData("not json {\"x\"", "{\"raw\":\"not json {\\u0022x\\u0022\"}")] // wrapped, properly escaped
    [InlineData("null", "{}")]
    [InlineData(null, "{}")]
    [InlineData("", "{\"raw\":\"\"}")]
    public void Raw_json_rule(string? detail, string expected) => MigrationRules.JsonText(detail).Should().Be(expected);

    [Fact]
    public void Wrapped_invalid_json_round_trips_the_original_text()
    {
        var original = "bad \"quote\" \\ and ä";
        var doc = System.Text.Json.JsonDocument.Parse(MigrationRules.JsonText(original));
        doc.RootElement.GetProperty("raw").GetString().Should().Be(original);
    }

    [Theory]
    [InlineData(1.1, 2.5, 1.3, 2)] // ease floored at 1.3; 2.5 rounds half to even → 2
    [InlineData(2.6, 3.5, 2.6, 4)] // 3.5 → 4 (even)
    [InlineData(2.3, 0.0, 2.3, 1)] // interval at least 1
    [InlineData(2.3, 0.4, 2.3, 1)]
    [InlineData(2.9, 6.6, 2.9, 7)]
    public void Memory_item_from_review_card(double easiness, double lastInterval, double ease, int interval)
    {
        var due = I("2025-02-05T08:00:00Z");
        var s = MigrationRules.MemoryFromCard(easiness, lastInterval, due, I("2026-01-01T00:00:00Z"));
        s.Ease.Should().Be(ease);
        s.IntervalDays.Should().Be(interval);
        s.DueAt.Should().Be(due);
        (s.Stability, s.Difficulty, s.Lapses).Should().Be((0.0, 0.3, 0));
    }

    [Fact]
    public void Memory_item_without_card_gets_the_conservative_defaults()
    {
        var now = I("2026-01-01T00:00:00Z");
        MigrationRules.MemoryFromCard(null, null, null, now).Should().Be(new MemorySchedule(2.5, 1, now, 0, 0.3, 0));
    }

    [Fact]
    public void Owner_resolution()
    {
        var ext = Guid.Parse("6f1c9a52-3c1e-4b7a-9d55-0c1f3a0e2b11");
        OwnerResolution R(string? o) => MigrationRules.ResolveOwner(o, id => id is 1 or 2, g => g == ext ? 2 : null);
        R("1").LegacyUserId.Should().Be(1);
        R(" 2 ").LegacyUserId.Should().Be(2);
        R(ext.ToString("D").ToUpperInvariant()).LegacyUserId.Should().Be(2);
        R(ext.ToString("N")).LegacyUserId.Should().Be(2);
        R("999").OrphanReason.Should().Be("owner is an unknown user id");
        R(Guid.NewGuid().ToString()).OrphanReason.Should().Be("owner is an unknown external user id");
        R("bob").OrphanReason.Should().Be("owner unparseable");
        R(null).OrphanReason.Should().Be("owner missing");
        R("").OrphanReason.Should().Be("owner missing");
    }

    [Fact]
    public void User_id_choice()
    {
        var ext = Guid.NewGuid();
        var mapped = Guid.NewGuid();
        MigrationRules.UserId(5, ext.ToString()).Should().Be(ext);
        MigrationRules.UserId(5, "not-a-uuid").Should().Be(StableId.For("user", 5));
        MigrationRules.UserId(5, null).Should().Be(StableId.For("user", 5));
        MigrationRules.UserId(5, "00000000-0000-0000-0000-000000000000").Should().Be(StableId.For("user", 5));
        MigrationRules.UserId(5, ext.ToString(), mapped).Should().Be(mapped);
    }

    [Theory]
    [InlineData("mood_snark_v1", "snark")]
    [InlineData("Coach", "coach")]
    [InlineData("mood_done_v1", "done")]
    [InlineData("", "calm")]
    [InlineData(null, "calm")]
    [InlineData("weird persona", "weird persona")]
    public void Persona_rule(string? legacy, string expected) => MigrationRules.Persona(legacy).Should().Be(expected);

    [Fact]
    public void Xp_reason_map_is_identity_by_default()
    {
        MigrationRules.XpReason("task_completed", null).Should().Be("task_completed");
        MigrationRules.XpReason("task_completed", new Dictionary<string, string> { ["task_completed"] = "task" }).Should().Be("task");
    }

    [Fact]
    public void Replay_schedule_and_grades()
    {
        var at = I("2025-02-01T11:00:00Z");
        MigrationRules.ReplayGrade(true).Should().Be(5);
        MigrationRules.ReplayGrade(false).Should().Be(2);
        MigrationRules.IsLapse(2).Should().BeTrue();
        MigrationRules.ReplaySchedule(at).Should().Be((at, at + Duration.FromDays(1), 0));
    }

    [Fact]
    public void Stable_ids_are_recognised_and_random_ones_are_not()
    {
        MigrationRules.IsStableId(StableId.For("mistake_logs", 1)).Should().BeTrue();
        MigrationRules.IsStableId(Guid.NewGuid()).Should().BeFalse();
    }

    [Fact]
    public void Task_detail_keeps_every_column_by_legacy_name()
    {
        var json = MigrationRules.TaskDetail(["canvas", "open", 2L, 0.8, null, "n", "homework", 30L, null, "{\"a\": 1}", null]);
        var doc = System.Text.Json.JsonDocument.Parse(json).RootElement;
        doc.EnumerateObject().Select(p => p.Name).Should().Equal(MigrationRules.TaskDetailColumns);
        doc.GetProperty("priority").GetInt32().Should().Be(2);
        doc.GetProperty("signals_json").GetString().Should().Be("{\"a\": 1}");
        doc.GetProperty("link").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public void Canonical_json_ignores_key_order_and_spacing() =>
        MigrationRules.CanonicalJson("{\"b\": 1, \"a\": [1.0, \"x\"]}").Should().Be(MigrationRules.CanonicalJson("{\"a\":[1,\"x\"],\"b\":1}"));
}
