using NodaTime;
using Teski.Domain.Xp;

namespace Teski.Domain.Tests;

public class XpTests
{
    [Theory]
    //          ease, interval, base, bonus setting | total, base, bonus
    [InlineData(2.5, 1, 10, 50, 10, 10, 0)]
    [InlineData(2.8, 30, 10, 50, 10, 10, 0)] // ease must be strictly above 2.8
    [InlineData(2.81, 20, 10, 50, 10, 10, 0)] // interval must be at least 21
    [InlineData(2.81, 21, 10, 50, 60, 10, 50)]
    [InlineData(3.2, 90, 10, 50, 60, 10, 50)]
    [InlineData(3.2, 90, 0, 50, 50, 0, 50)]
    [InlineData(2.5, 1, 7, 0, 7, 7, 0)]
    public void A_review_awards_base_plus_the_mastery_bonus(
        double ease, int interval, int xpBase, int bonusSetting, int total, int awardedBase, int bonus)
    {
        var award = XpAward.ForReview(ease, interval, new XpSettings(xpBase, bonusSetting));

        award.Should().Be(new XpAward(total, awardedBase, bonus, "review"));
        award!.Amount.Should().Be(total);
    }

    [Theory]
    [InlineData(0, 50, 2.5, 1)]
    [InlineData(-5, 0, 3.0, 30)]
    [InlineData(-60, 50, 3.0, 30)] // -60 + 50 = -10
    public void A_total_of_zero_or_less_awards_nothing(int xpBase, int bonusSetting, double ease, int interval) =>
        XpAward.ForReview(ease, interval, new XpSettings(xpBase, bonusSetting)).Should().BeNull();

    [Fact]
    public void The_default_settings_are_10_and_50() =>
        XpSettings.Default.Should().Be(new XpSettings(Base: 10, MasteryBonus: 50));

    [Fact]
    public void A_logged_mistake_is_worth_3_xp() =>
        XpAward.ForMistake().Should().Be(new XpAward(3, 3, 0, "mistake"));

    [Theory]
    [InlineData("task_completed", null, 10)]
    [InlineData("streak_bonus", null, 5)]
    [InlineData("deadline_beaten", null, 3)]
    [InlineData("mystery", null, 0)]
    [InlineData("task_completed", 25, 25)]
    [InlineData("task_completed", 0, 0)]
    [InlineData("mystery", 7, 7)]
    public void Leaderboard_points_default_by_event_type_and_an_explicit_amount_wins(string eventType, int? amount, int expected) =>
        LeaderboardPoints.Resolve(eventType, amount).Should().Be(expected);

    [Theory]
    [InlineData(2024, 12, 29, 23, 2024, 52)]
    [InlineData(2024, 12, 30, 0, 2025, 1)] // Monday of ISO week 2025-W01
    [InlineData(2025, 1, 1, 12, 2025, 1)]
    [InlineData(2021, 1, 3, 12, 2020, 53)] // Sunday still in 2020's 53rd week
    [InlineData(2021, 1, 4, 0, 2021, 1)]
    [InlineData(2026, 12, 31, 23, 2026, 53)]
    [InlineData(2027, 1, 3, 23, 2026, 53)]
    public void The_weekly_score_key_is_the_iso_week_of_the_utc_time(int y, int m, int d, int h, int weekYear, int week) =>
        IsoWeek.Of(Instant.FromUtc(y, m, d, h, 0)).Should().Be(new IsoWeek(weekYear, week));

    [Fact]
    public void The_iso_week_uses_the_utc_date_not_a_local_one()
    {
        // Sunday 2025-01-05 23:30 UTC is already Monday (week 2) in Helsinki; the legacy key stays in week 1.
        var week = IsoWeek.Of(Instant.FromUtc(2025, 1, 5, 23, 30));

        week.Should().Be(new IsoWeek(2025, 1));
        week.ToString().Should().Be("2025-W01");
    }
}
