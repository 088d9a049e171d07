using NodaTime;
using Teski.Domain.Memory;

namespace Teski.Domain.Tests;

public class LegacyMemoryTests
{
    private static readonly Instant Now = Instant.FromUtc(2025, 5, 10, 12, 0);

    private static LegacyReviewCard Card(double easiness, double lastInterval, Instant? next = null) =>
        LegacyReviewCard.Rehydrate(7, 42, 3, "frac-add", easiness, 0.3, lastInterval, next ?? Now,
            LegacyCardStatus.Served, null, Now - Duration.FromDays(1));

    [Fact]
    public void A_new_card_comes_back_in_20_minutes()
    {
        var card = LegacyReviewCard.New(42, 3, "frac-add", Now);

        card.Id.Should().Be(0);
        card.Easiness.Should().Be(2.3);
        card.Stability.Should().Be(0.3);
        card.LastIntervalDays.Should().Be(0);
        card.NextReviewAt.Should().Be(Instant.FromUtc(2025, 5, 10, 12, 20));
        card.Status.Should().Be(LegacyCardStatus.Scheduled);
        card.LastResult.Should().BeNull();
        card.UpdatedAt.Should().Be(Now);
    }

    [Fact]
    public void Another_mistake_pulls_a_later_card_in_to_20_minutes()
    {
        var card = Card(2.3, 6, next: Now + Duration.FromDays(3));

        card.ScheduleAfterMistake(Now);

        card.NextReviewAt.Should().Be(Instant.FromUtc(2025, 5, 10, 12, 20));
        card.Status.Should().Be(LegacyCardStatus.Scheduled);
        card.UpdatedAt.Should().Be(Now);
    }

    [Fact]
    public void Another_mistake_keeps_a_sooner_card()
    {
        var sooner = Now + Duration.FromMinutes(5);
        var card = Card(2.3, 6, next: sooner);

        card.ScheduleAfterMistake(Now);

        card.NextReviewAt.Should().Be(sooner);
        card.Status.Should().Be(LegacyCardStatus.Scheduled);
    }

    [Fact]
    public void Serving_marks_the_card_served()
    {
        var card = LegacyReviewCard.New(42, null, "x", Now);

        card.MarkServed(Now + Duration.FromHours(1));

        card.Status.Should().Be(LegacyCardStatus.Served);
        card.UpdatedAt.Should().Be(Now + Duration.FromHours(1));
    }

    // Reference numbers from the legacy formula in Python; next review = now + interval days (fractional).
    [Theory]
    //          easiness, last interval, correct | easiness', interval, next review (minutes after now)
    [InlineData(2.3, 0.0, true, 2.4, 1.0, 1_440)] // first review
    [InlineData(2.3, 0.0, false, 1.98, 0.5, 720)]
    [InlineData(2.3, -1.0, true, 2.4, 1.0, 1_440)]
    [InlineData(2.3, 1.0, true, 2.4, 6.0, 8_640)] // young card
    [InlineData(2.3, 1.0, false, 1.98, 1.0, 1_440)] // max(1, 0.5)
    [InlineData(2.3, 3.0, false, 1.98, 1.5, 2_160)]
    [InlineData(1.3, 1.5, true, 1.4, 6.0, 8_640)]
    [InlineData(1.3, 1.5, false, 1.3, 1.0, 1_440)] // easiness floor
    [InlineData(2.5, 6.0, true, 2.6, 15.6, 22_464)] // mature card: 6 · 2.6
    [InlineData(2.5, 6.0, false, 2.18, 3.0, 4_320)]
    [InlineData(2.3, 10.0, true, 2.4, 24.0, 34_560)]
    [InlineData(2.3, 10.0, false, 1.98, 5.0, 7_200)]
    [InlineData(1.5, 10.0, false, 1.3, 5.0, 7_200)]
    public void Legacy_sm2_follows_each_branch(
        double easiness, double lastInterval, bool correct, double easinessAfter, double intervalAfter, int minutesToNext)
    {
        var card = Card(easiness, lastInterval);

        var result = card.ApplyResult(correct, Now);

        result.Easiness.Should().BeApproximately(easinessAfter, 1e-9);
        result.IntervalDays.Should().BeApproximately(intervalAfter, 1e-9);
        result.NextReviewAt.Should().Be(Now + Duration.FromMinutes(minutesToNext));
        card.Easiness.Should().Be(result.Easiness);
        card.LastIntervalDays.Should().Be(result.IntervalDays);
        card.NextReviewAt.Should().Be(result.NextReviewAt);
        card.Status.Should().Be(correct ? LegacyCardStatus.Completed : LegacyCardStatus.Scheduled);
        card.LastResult.Should().Be(correct);
        card.UpdatedAt.Should().Be(Now);
    }

    [Fact]
    public void Fractional_intervals_are_kept_to_the_microsecond_as_the_legacy_store_does()
    {
        // 2.4 · 6 = 14.399999999999999 days; Python's timedelta rounds that to 14 days 9:36:00 exactly.
        var card = Card(2.3, 6);

        card.ApplyResult(true, Now).NextReviewAt.Should().Be(Now + Duration.FromDays(14) + Duration.FromMinutes(576));
    }

    [Theory]
    [InlineData(LegacyCardStatus.Due, "due")]
    [InlineData(LegacyCardStatus.Scheduled, "scheduled")]
    [InlineData(LegacyCardStatus.Served, "served")]
    [InlineData(LegacyCardStatus.Completed, "completed")]
    [InlineData(LegacyCardStatus.Skipped, "skipped")]
    public void Card_statuses_round_trip_their_wire_names(LegacyCardStatus status, string wire)
    {
        status.ToWire().Should().Be(wire);
        LegacyCardStatusWire.Parse(wire).Should().Be(status);
        LegacyCardStatusWire.TryParse(wire.ToUpperInvariant(), out var parsed).Should().BeTrue();
        parsed.Should().Be(status);
    }

    [Fact]
    public void An_unknown_card_status_is_rejected()
    {
        LegacyCardStatusWire.TryParse("pending", out _).Should().BeFalse();
        var act = () => LegacyCardStatusWire.Parse("pending");
        act.Should().Throw<FormatException>();
    }

    [Fact]
    public void Stats_first_mistake_then_repeats_decay_stability_to_the_floor()
    {
        var stats = LegacyMemoryStats.FirstMistake(42, 3, Now);
        (stats.MistakeCount, stats.Stability, stats.LastMissedAt, stats.LastMasteredAt)
            .Should().Be((1, 0.3, (Instant?)Now, (Instant?)null));

        var later = Now + Duration.FromHours(1);
        stats.RecordMistake(later);
        stats.MistakeCount.Should().Be(2);
        stats.LastMissedAt.Should().Be(later);
        stats.Stability.Should().BeApproximately(0.27, 1e-12);

        stats.RecordMistake(later); // 0.243
        stats.RecordMistake(later); // 0.2187
        stats.Stability.Should().BeApproximately(0.2187, 1e-12);
        stats.RecordMistake(later); // 0.19683 → floor 0.2
        stats.Stability.Should().Be(0.2);
        stats.MistakeCount.Should().Be(5);
    }

    [Theory]
    [InlineData(0.3, 0.345)]
    [InlineData(2.0, 2.3)]
    [InlineData(2.9, 3.0)] // 3.335 → ceiling 3.0
    [InlineData(3.0, 3.0)]
    public void Stats_mastery_raises_stability_to_at_most_3(double before, double after)
    {
        var stats = LegacyMemoryStats.Rehydrate(5, 42, 3, 4, Now, null, before);

        stats.RecordMastery(Now);

        stats.Stability.Should().BeApproximately(after, 1e-12);
        stats.LastMasteredAt.Should().Be(Now);
        stats.MistakeCount.Should().Be(4);
    }

    [Fact]
    public void Stats_first_mastery_starts_at_0_4()
    {
        var stats = LegacyMemoryStats.FirstMastery(42, null, Now);

        (stats.MistakeCount, stats.Stability, stats.LastMasteredAt, stats.LastMissedAt)
            .Should().Be((0, 0.4, (Instant?)Now, (Instant?)null));
    }

    private static LegacyMistakeLog Log(long id, int minutesAgo, double weight = 1.0, bool resolved = false, string? template = "frac-add") =>
        LegacyMistakeLog.Rehydrate(id, 42, 3, template, null, "recall", null, "{}", weight,
            Now - Duration.FromMinutes(minutesAgo), resolved ? Now - Duration.FromMinutes(1) : null);

    [Fact]
    public void Mastery_resolves_the_three_most_recent_unresolved_mistakes()
    {
        var mistakes = new[]
        {
            Log(1, 50), Log(2, 40), Log(3, 30, resolved: true), Log(4, 20), Log(5, 10), Log(6, 10),
        };

        var picked = LegacyMastery.PickToResolve(mistakes);

        picked.Select(m => m.Id).Should().Equal(6, 5, 4); // same time: the later insert first
    }

    [Theory]
    [InlineData(1.0, 0.5)]
    [InlineData(0.3, 0.15)]
    [InlineData(0.15, 0.1)] // floor
    [InlineData(0.1, 0.1)]
    public void Resolving_halves_the_weight_down_to_0_1(double weight, double after)
    {
        var mistake = Log(1, 10, weight);

        mistake.Resolve(Now);

        mistake.ResolvedAt.Should().Be(Now);
        mistake.Weight.Should().BeApproximately(after, 1e-12);
    }

    [Fact]
    public void Resolving_twice_changes_nothing_more()
    {
        var mistake = Log(1, 10, 1.0);
        mistake.Resolve(Now);

        mistake.Resolve(Now + Duration.FromDays(1));

        mistake.ResolvedAt.Should().Be(Now);
        mistake.Weight.Should().Be(0.5);
    }

    [Fact]
    public void A_logged_legacy_mistake_defaults_its_type_and_weight()
    {
        var mistake = LegacyMistakeLog.Log(42, null, "frac-add", 9, null, "sign", """{"reason":"minus"}""", Now);

        (mistake.Id, mistake.ErrorType, mistake.ErrorSubtype, mistake.Weight, mistake.OccurredAt, mistake.IsResolved)
            .Should().Be((0L, "other", "sign", 1.0, Now, false));
    }

    [Theory]
    //          weight, age days, half life, unresolved | priority
    [InlineData(1.0, 0.0, 7.0, true, 1.25)]
    [InlineData(1.0, 3.5, 7.0, true, 0.8838834764831844)] // half a half-life: 1.25 / √2
    [InlineData(2.0, 7.0, 7.0, true, 1.25)]
    [InlineData(1.0, 14.0, 7.0, false, 0.1625)] // two half-lives, resolved
    [InlineData(0.5, 0.0, 7.0, false, 0.325)]
    [InlineData(1.0, 1.0, 1.0, true, 0.625)]
    public void Resurface_priority_decays_with_age(double weight, double ageDays, double halfLife, bool unresolved, double expected) =>
        LegacyResurface.Priority(weight, ageDays, halfLife, unresolved).Should().BeApproximately(expected, 1e-12);

    [Fact]
    public void The_resurface_plan_ranks_unresolved_mistakes_and_spreads_them_over_the_offsets()
    {
        var day = 24 * 60;
        var mistakes = new[]
        {
            Log(1, 0 * day, weight: 1.0, template: "a"), // 1.25
            Log(2, 7 * day, weight: 1.0, template: "b"), // 0.625
            Log(3, 0 * day, weight: 3.0, template: "c"), // 3.75
            Log(4, 0 * day, weight: 9.0, resolved: true, template: "d"), // resolved: not a candidate
            Log(5, 14 * day, weight: 4.0, template: "e"), // 1.25, older than #1
        };

        var plan = LegacyResurface.Plan(mistakes, count: 3, horizonMinutes: 1440, halfLifeDays: 7, Now);

        plan.Select(p => (p.MistakeId, p.TemplateCode, p.ScheduledFor)).Should().Equal(
            (3L, "c", Now + Duration.FromMinutes(10)),
            (1L, "a", Now + Duration.FromMinutes(20)),
            (5L, "e", Now + Duration.FromMinutes(30)));
        plan[0].Priority.Should().BeApproximately(3.75, 1e-12);
        plan.Should().OnlyContain(p => p.UserId == 42 && p.SkillId == 3);
    }

    [Fact]
    public void The_resurface_offsets_cycle_after_seven_and_are_capped_at_the_horizon()
    {
        var mistakes = Enumerable.Range(1, 9).Select(i => Log(i, i)).ToList();

        var offsets = LegacyResurface.Plan(mistakes, count: 9, horizonMinutes: 50, halfLifeDays: 7, Now)
            .Select(p => (p.ScheduledFor - Now).TotalMinutes);

        offsets.Should().Equal(10, 20, 30, 45, 50, 50, 50, 10, 20);
        LegacyResurface.OffsetsMinutes.Should().Equal(10, 20, 30, 45, 60, 90, 120);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void A_plan_for_no_mistakes_is_empty(int count) =>
        LegacyResurface.Plan([Log(1, 1)], count, 1440, 7, Now).Should().BeEmpty();
}
