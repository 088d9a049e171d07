using System.Security.Cryptography;
using System.Text;
using NodaTime;
using Teski.Domain.Analytics;
using Teski.Domain.Xp;

namespace Teski.Domain.Tests;

public class AnalyticsTests
{
    private static readonly Instant Now = Instant.FromUtc(2025, 5, 10, 12, 0);

    // Expected numbers from Python: int(hashlib.sha256(f"{exp}:{uuid}".encode()).hexdigest()[:8], 16).
    [Theory]
    [InlineData("memory_v1", "00000000-0000-0000-0000-000000000001", 3804560403u, "variant_a")]
    [InlineData("persona_copy", "00000000-0000-0000-0000-000000000001", 1894861041u, "variant_a")]
    [InlineData("memory_v1", "3fa85f64-5717-4562-b3fc-2c963f66afa6", 3829687647u, "variant_a")]
    [InlineData("persona_copy", "3fa85f64-5717-4562-b3fc-2c963f66afa6", 354155814u, "control")]
    [InlineData("memory_v1", "9b2f3c1e-7a4d-4e8b-a1c5-0d6e2f8b9c3a", 1240913682u, "control")]
    [InlineData("memory_v1", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", 2930915422u, "control")] // hashed as lowercase text
    public void Ab_buckets_follow_the_sha256_prefix(string experiment, string userId, uint prefix, string expected)
    {
        var uuid = Guid.Parse(userId);
        // An independent path to the same number: hex text of the digest, first 8 characters, base 16.
        var hex = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{experiment}:{userId.ToLowerInvariant()}")));
        Convert.ToUInt32(hex[..8], 16).Should().Be(prefix);

        AbTest.Bucket(experiment, uuid, ["control", "variant_a"]).Should().Be(expected);
        string[] three = ["a", "b", "c"];
        AbTest.Bucket(experiment, uuid, three).Should().Be(three[prefix % 3]);
    }

    [Fact]
    public void A_single_bucket_takes_everyone_and_no_bucket_is_an_error()
    {
        AbTest.Bucket("x", Guid.NewGuid(), ["only"]).Should().Be("only");
        var act = () => AbTest.Bucket("x", Guid.NewGuid(), []);
        act.Should().Throw<ArgumentException>();
    }

    [Theory]
    [InlineData(null, new[] { "control", "variant_a" })]
    [InlineData("", new[] { "control", "variant_a" })]
    [InlineData("control,variant_a", new[] { "control", "variant_a" })]
    [InlineData(" a , b ,, c ", new[] { "a", "b", "c" })]
    [InlineData("""["x", "y", "z"]""", new[] { "x", "y", "z" })]
    [InlineData("""[" x ", "", 3]""", new[] { "x", "3" })]
    [InlineData("[]", new[] { "control", "variant_a" })]
    [InlineData("[broken", new[] { "control", "variant_a" })]
    [InlineData(",", new[] { "control", "variant_a" })]
    public void Bucket_settings_accept_a_comma_list_or_a_json_array(string? setting, string[] expected) =>
        AbTest.ParseBuckets(setting).Should().Equal(expected);

    [Fact]
    public void An_existing_assignment_is_sticky_even_when_the_buckets_change()
    {
        var user = Guid.Parse("3fa85f64-5717-4562-b3fc-2c963f66afa6");
        var existing = new AbAssignment(Guid.NewGuid(), user, "persona_copy", "variant_a", Now - Duration.FromDays(30));

        AbAssignment.Decide(existing, Guid.NewGuid(), user, "persona_copy", ["control", "variant_a"], Now)
            .Should().BeSameAs(existing);
    }

    [Fact]
    public void A_first_assignment_uses_the_hash()
    {
        var user = Guid.Parse("3fa85f64-5717-4562-b3fc-2c963f66afa6");
        var id = Guid.NewGuid();

        AbAssignment.Decide(null, id, user, "persona_copy", ["control", "variant_a"], Now)
            .Should().Be(new AbAssignment(id, user, "persona_copy", "control", Now));
    }

    [Fact]
    public void An_assignment_of_another_experiment_is_not_reused()
    {
        var user = Guid.NewGuid();
        var other = new AbAssignment(Guid.NewGuid(), user, "memory_v1", "control", Now);

        var act = () => AbAssignment.Decide(other, Guid.NewGuid(), user, "persona_copy", ["control"], Now);

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Consenting_users_get_events_with_a_json_payload()
    {
        var id = Guid.NewGuid();
        var user = Guid.NewGuid();

        var ev = AnalyticsEvent.For(true, id, user, AnalyticsKinds.MistakeLogged,
            AnalyticsEvent.MistakeLoggedPayload("fractions", "sign"), Now);

        ev.Should().Be(new AnalyticsEvent(id, user, "memory.mistake_logged", """{"concept":"fractions","subtype":"sign"}""", Now));
    }

    [Fact]
    public void Users_without_consent_get_no_events() =>
        AnalyticsEvent.For(false, Guid.NewGuid(), Guid.NewGuid(), AnalyticsKinds.ReviewFetch,
            AnalyticsEvent.ReviewFetchPayload(3), Now).Should().BeNull();

    [Fact]
    public void The_payload_shapes_are_the_documented_ones()
    {
        string Json(IReadOnlyDictionary<string, object?> payload) =>
            AnalyticsEvent.For(true, Guid.Empty, null, "k", payload, Now)!.PayloadJson;

        Json(AnalyticsEvent.ReviewFetchPayload(3)).Should().Be("""{"count":3}""");
        Json(AnalyticsEvent.ReviewLoggedPayload("algebra", 4, 60)).Should().Be("""{"concept":"algebra","grade":4,"xp":60}""");
        Json(AnalyticsEvent.XpAwardedPayload(new XpAward(60, 10, 50, "review")))
            .Should().Be("""{"reason":"review","base":10,"bonus":50,"total":60}""");
        Json(AnalyticsEvent.BadgeEarnedPayload("Nemesis::algebra")).Should().Be("""{"kind":"Nemesis::algebra"}""");
    }

    [Fact]
    public void The_event_kinds_are_the_v2_names()
    {
        new[]
        {
            AnalyticsKinds.MistakeLogged, AnalyticsKinds.ReviewFetch, AnalyticsKinds.ReviewLogged,
            AnalyticsKinds.XpAwarded, AnalyticsKinds.BadgeEarned,
        }.Should().Equal("memory.mistake_logged", "memory.review_fetch", "memory.review_logged", "xp.awarded", "badge.earned");
    }

    [Theory]
    //          lapses, grades newest first, already has | badge
    [InlineData(2, new[] { 5, 4, 4 }, false, "Nemesis::algebra")] // three qualifying reviews
    [InlineData(3, new[] { 4, 4, 4, 0, 1 }, false, "Nemesis::algebra")] // only the latest three count
    [InlineData(2, new[] { 5, 4 }, false, null)] // two qualifying reviews are not enough
    [InlineData(2, new[] { 5, 4, 3 }, false, null)]
    [InlineData(2, new[] { 3, 5, 5 }, false, null)]
    [InlineData(1, new[] { 5, 5, 5 }, false, null)] // never really a nemesis
    [InlineData(2, new[] { 5, 5, 5 }, true, null)] // once per user and concept
    [InlineData(2, new int[0], false, null)]
    public void Nemesis_needs_two_lapses_then_three_reviews_of_grade_4_or_more(
        int lapses, int[] grades, bool alreadyHas, string? expected) =>
        NemesisBadge.Earned("algebra", lapses, grades, alreadyHas).Should().Be(expected);
}
