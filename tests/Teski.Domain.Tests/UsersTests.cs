using NodaTime;
using NodaTime.Text;
using Teski.Domain.Users;

namespace Teski.Domain.Tests;

public class UsersTests
{
    private static Instant Utc(string iso) => InstantPattern.ExtendedIso.Parse(iso).GetValueOrThrow();

    private static DateTimeZone Zone(string id) => DateTimeZoneProviders.Tzdb[id];

    [Theory]
    [InlineData("America/New_York", "America/New_York")]
    [InlineData(" Europe/Helsinki ", "Europe/Helsinki")]
    [InlineData("UTC", "UTC")]
    [InlineData("Mars/Olympus_Mons", "Europe/Helsinki")]
    [InlineData("", "Europe/Helsinki")]
    [InlineData(null, "Europe/Helsinki")]
    public void Unknown_or_empty_zones_fall_back_to_helsinki(string? iana, string expected) =>
        UserDay.ResolveZone(iana).Id.Should().Be(expected);

    [Theory]
    //          zone, now (UTC) | local day, start (UTC), end (UTC), hours
    [InlineData("Europe/Helsinki", "2025-03-30T12:00:00Z", "2025-03-30", "2025-03-29T22:00:00Z", "2025-03-30T21:00:00Z", 23)] // spring forward
    [InlineData("Europe/Helsinki", "2025-10-26T12:00:00Z", "2025-10-26", "2025-10-25T21:00:00Z", "2025-10-26T22:00:00Z", 25)] // fall back
    [InlineData("Europe/Helsinki", "2025-06-15T21:30:00Z", "2025-06-16", "2025-06-15T21:00:00Z", "2025-06-16T21:00:00Z", 24)] // 00:30 local
    [InlineData("America/New_York", "2025-11-02T12:00:00Z", "2025-11-02", "2025-11-02T04:00:00Z", "2025-11-03T05:00:00Z", 25)] // fall back
    [InlineData("America/New_York", "2025-03-09T12:00:00Z", "2025-03-09", "2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z", 23)] // spring forward
    [InlineData("America/New_York", "2025-11-03T04:30:00Z", "2025-11-02", "2025-11-02T04:00:00Z", "2025-11-03T05:00:00Z", 25)] // 23:30 local, UTC is already the 3rd
    [InlineData("America/Sao_Paulo", "2018-11-04T12:00:00Z", "2018-11-04", "2018-11-04T03:00:00Z", "2018-11-05T02:00:00Z", 23)] // midnight did not exist: the day starts at 01:00
    public void Today_is_the_local_day_in_utc_bounds(
        string zoneId, string now, string localDay, string start, string end, int hours)
    {
        var zone = Zone(zoneId);

        var today = UserDay.Today(Utc(now), zone);

        UserDay.LocalDay(Utc(now), zone).Should().Be(LocalDatePattern.Iso.Parse(localDay).Value);
        today.Start.Should().Be(Utc(start));
        today.End.Should().Be(Utc(end));
        (today.End - today.Start).Should().Be(Duration.FromHours(hours));
    }

    [Theory]
    //          zone, now, streak, last counted (UTC midnight instant or empty), reviews today | streak, last counted, counted
    [InlineData("Europe/Helsinki", "2025-03-30T20:30:00Z", 3, "2025-03-28T22:00:00Z", 5, 4, "2025-03-29T22:00:00Z", true)] // consecutive, on the 23 h day
    [InlineData("Europe/Helsinki", "2025-03-30T21:30:00Z", 4, "2025-03-29T22:00:00Z", 7, 5, "2025-03-30T21:00:00Z", true)] // 00:30 on the 31st
    [InlineData("Europe/Helsinki", "2025-03-30T20:30:00Z", 4, "2025-03-29T22:00:00Z", 6, 4, "2025-03-29T22:00:00Z", false)] // same day: counted once
    [InlineData("Europe/Helsinki", "2025-03-30T20:30:00Z", 9, "2025-03-27T22:00:00Z", 5, 1, "2025-03-29T22:00:00Z", true)] // skipped a day
    [InlineData("Europe/Helsinki", "2025-03-30T20:30:00Z", 3, "2025-03-28T22:00:00Z", 4, 3, "2025-03-28T22:00:00Z", false)] // not enough reviews yet
    [InlineData("Europe/Helsinki", "2025-03-30T20:30:00Z", 0, "", 5, 1, "2025-03-29T22:00:00Z", true)] // first ever
    [InlineData("America/New_York", "2025-11-03T04:30:00Z", 2, "2025-11-01T04:00:00Z", 5, 3, "2025-11-02T04:00:00Z", true)] // 23:30 on the 25 h day
    [InlineData("America/New_York", "2025-11-03T05:30:00Z", 3, "2025-11-02T04:00:00Z", 5, 4, "2025-11-03T05:00:00Z", true)] // 00:30 the day after
    [InlineData("America/New_York", "2025-11-02T05:30:00Z", 3, "2025-11-02T04:00:00Z", 8, 3, "2025-11-02T04:00:00Z", false)] // same day (01:30 EDT)
    [InlineData("America/New_York", "2025-11-03T04:30:00Z", 12, "2025-10-31T04:00:00Z", 5, 1, "2025-11-02T04:00:00Z", true)] // skipped a day
    public void Streak_counts_a_day_once_after_five_reviews(
        string zoneId, string now, int streak, string last, int reviewsToday,
        int expectedStreak, string expectedLast, bool counted)
    {
        Instant? lastAt = last.Length == 0 ? null : Utc(last);

        var update = Streak.Apply(streak, lastAt, reviewsToday, Utc(now), Zone(zoneId));

        update.Should().Be(new StreakUpdate(expectedStreak, Utc(expectedLast), counted));
    }

    [Fact]
    public void A_streak_over_three_consecutive_helsinki_days_reaches_three_and_a_gap_resets_it()
    {
        var user = V2User.Rehydrate(Guid.NewGuid(), Utc("2025-01-01T00:00:00Z"), "Europe/Helsinki", null, null,
            0, null, "calm", false, null, null, true, false);

        user.RecordReviewDay(5, Utc("2025-03-29T10:00:00Z"));
        user.RecordReviewDay(5, Utc("2025-03-30T10:00:00Z"));
        user.RecordReviewDay(6, Utc("2025-03-30T11:00:00Z"));
        user.RecordReviewDay(5, Utc("2025-03-31T10:00:00Z"));
        user.StreakDays.Should().Be(3);
        user.LastStreakAt.Should().Be(Utc("2025-03-30T21:00:00Z"));

        user.RecordReviewDay(5, Utc("2025-04-02T10:00:00Z"));
        user.StreakDays.Should().Be(1);
        user.LastStreakAt.Should().Be(Utc("2025-04-01T21:00:00Z"));
    }

    [Fact]
    public void A_user_with_an_unknown_zone_counts_days_in_helsinki()
    {
        var user = V2User.Rehydrate(Guid.NewGuid(), Utc("2025-01-01T00:00:00Z"), "Nowhere/Special", null, null,
            0, null, null, false, null, null, true, false);

        user.RecordReviewDay(5, Utc("2025-06-15T21:30:00Z"));

        user.Zone.Id.Should().Be("Europe/Helsinki");
        user.LastStreakAt.Should().Be(Utc("2025-06-15T21:00:00Z"));
    }

    [Fact]
    public void A_user_created_on_first_use_has_the_v2_defaults()
    {
        var id = Guid.Parse("3fa85f64-5717-4562-b3fc-2c963f66afa6");
        var now = Utc("2025-05-10T12:00:00Z");

        var user = V2User.CreateOnFirstUse(id, now, "Calm");

        user.Id.Should().Be(id);
        user.CreatedAt.Should().Be(now);
        user.Timezone.Should().Be("UTC");
        user.Persona.Should().Be("Calm");
        user.StreakDays.Should().Be(0);
        user.LastStreakAt.Should().BeNull();
        user.AnalyticsConsent.Should().BeTrue();
        user.IsPro.Should().BeFalse();
        user.IsInstitutionAdmin.Should().BeFalse();
        user.DisplayName.Should().BeNull();
        user.Email.Should().BeNull();
    }

    [Theory]
    [InlineData(60, 0, 60)]
    [InlineData(60, 59, 1)]
    [InlineData(60, 60, 0)]
    [InlineData(60, 75, 0)]
    public void Remaining_reviews_never_go_below_zero(int cap, int today, int expected) =>
        DailyCap.Remaining(cap, today).Should().Be(expected);

    [Theory]
    [InlineData(10, 60, 0, 10)]
    [InlineData(10, 60, 55, 5)]
    [InlineData(50, 60, 60, 0)]
    [InlineData(10, 6, 70, 0)]
    [InlineData(-3, 60, 0, 0)]
    public void The_next_reviews_limit_is_the_request_capped_by_what_remains(int requested, int cap, int today, int expected) =>
        DailyCap.Limit(requested, cap, today).Should().Be(expected);

    [Fact]
    public void Legacy_role_names_are_the_stored_values() =>
        Enum.GetNames<LegacyRole>().Should().Equal("STUDENT", "EDUCATOR", "INSTITUTION_ADMIN", "TESKI_ADMIN");
}
