using NodaTime;
using Teski.Domain.Memory;

namespace Teski.Domain.Tests;

public class MemoryItemTests
{
    private static readonly Instant Now = Instant.FromUtc(2025, 5, 10, 12, 0);
    private static readonly Guid UserId = Guid.Parse("3fa85f64-5717-4562-b3fc-2c963f66afa6");
    private static readonly Guid ItemId = Guid.Parse("11111111-2222-3333-4444-555555555555");
    private static readonly Guid TaskA = Guid.Parse("aaaaaaaa-0000-0000-0000-000000000001");
    private static readonly Guid TaskB = Guid.Parse("bbbbbbbb-0000-0000-0000-000000000002");

    private static MemoryItem Item(double ease, int interval, double stability, double difficulty, int lapses, Instant? due = null) =>
        MemoryItem.Rehydrate(ItemId, UserId, null, "algebra", ease, interval, due ?? Now, stability, difficulty, lapses);

    [Fact]
    public void A_first_mistake_creates_an_item_due_after_the_leeway()
    {
        var item = MemoryItem.ScheduleFromMistake(ItemId, UserId, "fractions", TaskA, Now, SchedulerSettings.Default);

        item.Id.Should().Be(ItemId);
        item.UserId.Should().Be(UserId);
        item.TaskId.Should().Be(TaskA);
        item.Concept.Should().Be("fractions");
        item.Ease.Should().Be(2.5);
        item.Interval.Should().Be(1);
        item.Stability.Should().Be(0.0);
        item.Difficulty.Should().Be(0.3);
        item.Lapses.Should().Be(0);
        item.DueAt.Should().Be(Instant.FromUtc(2025, 5, 10, 12, 10));
    }

    [Fact]
    public void The_leeway_comes_from_the_settings()
    {
        var item = MemoryItem.ScheduleFromMistake(ItemId, UserId, "fractions", null, Now, new SchedulerSettings(LeewayMinutes: 45));

        item.DueAt.Should().Be(Instant.FromUtc(2025, 5, 10, 12, 45));
        item.TaskId.Should().BeNull();
    }

    [Fact]
    public void A_mistake_needs_a_concept()
    {
        var act = () => MemoryItem.ScheduleFromMistake(ItemId, UserId, " ", null, Now, SchedulerSettings.Default);

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void A_repeat_mistake_pulls_a_later_due_time_in_and_keeps_the_learned_state()
    {
        var item = Item(2.7, 14, 14, 0.21, 1, due: Now + Duration.FromDays(14));

        item.RescheduleForMistake(TaskA, Now, SchedulerSettings.Default);

        item.DueAt.Should().Be(Instant.FromUtc(2025, 5, 10, 12, 10));
        item.TaskId.Should().Be(TaskA, "an item without a task adopts the mistake's task");
        (item.Ease, item.Interval, item.Stability, item.Difficulty, item.Lapses).Should().Be((2.7, 14, 14.0, 0.21, 1));
    }

    [Fact]
    public void A_repeat_mistake_keeps_an_earlier_due_time_and_the_existing_task()
    {
        var earlier = Now - Duration.FromHours(3);
        var item = MemoryItem.Rehydrate(ItemId, UserId, TaskB, "algebra", 2.5, 1, earlier, 0, 0.3, 0);

        item.RescheduleForMistake(TaskA, Now, SchedulerSettings.Default);

        item.DueAt.Should().Be(earlier);
        item.TaskId.Should().Be(TaskB);
    }

    // Reference numbers computed with the v2 formula in Python (float arithmetic, round() = half to even).
    [Theory]
    //          before: ease, interval, stability, difficulty, lapses | grade | after: ease, interval, stability, difficulty, lapses
    [InlineData(2.5, 1, 0.0, 0.3, 0, 0, 2.2, 1, 1.0, 0.39, 1)]
    [InlineData(2.5, 1, 0.0, 0.3, 0, 1, 2.28, 1, 1.0, 0.36, 1)]
    [InlineData(2.5, 1, 0.0, 0.3, 0, 2, 2.36, 1, 1.0, 0.33, 1)]
    [InlineData(2.5, 1, 0.0, 0.3, 0, 3, 2.44, 2, 2.0, 0.3, 0)]
    [InlineData(2.5, 1, 0.0, 0.3, 0, 4, 2.52, 3, 3.0, 0.27, 0)]
    [InlineData(2.5, 1, 0.0, 0.3, 0, 5, 2.6, 3, 3.0, 0.24, 0)]
    [InlineData(2.5, 5, 5.0, 0.3, 1, 0, 2.2, 1, 5.0, 0.39, 2)]
    [InlineData(2.5, 5, 5.0, 0.3, 1, 1, 2.28, 1, 5.0, 0.36, 2)]
    [InlineData(2.5, 5, 5.0, 0.3, 1, 2, 2.36, 1, 5.0, 0.33, 2)]
    [InlineData(2.5, 5, 5.0, 0.3, 1, 3, 2.44, 12, 12.0, 0.3, 1)]
    [InlineData(2.5, 5, 5.0, 0.3, 1, 4, 2.52, 13, 13.0, 0.27, 1)]
    [InlineData(2.5, 5, 5.0, 0.3, 1, 5, 2.6, 14, 14.0, 0.24, 1)] // 5 · (2.6 + 0.3) = 14.5 → 14 (half to even)
    [InlineData(1.3, 10, 12.0, 0.98, 3, 0, 1.3, 1, 12.0, 1.0, 4)] // ease floor, difficulty ceiling
    [InlineData(1.3, 10, 12.0, 0.98, 3, 1, 1.3, 1, 12.0, 1.0, 4)]
    [InlineData(1.3, 10, 12.0, 0.98, 3, 2, 1.3, 1, 12.0, 1.0, 4)]
    [InlineData(1.3, 10, 12.0, 0.98, 3, 3, 1.3, 13, 13.0, 0.98, 3)]
    [InlineData(1.3, 10, 12.0, 0.98, 3, 4, 1.32, 15, 15.0, 0.95, 3)]
    [InlineData(1.3, 10, 12.0, 0.98, 3, 5, 1.4, 17, 17.0, 0.92, 3)]
    [InlineData(2.8, 21, 21.0, 0.02, 0, 0, 2.5, 1, 21.0, 0.11, 1)]
    [InlineData(2.8, 21, 21.0, 0.02, 0, 1, 2.58, 1, 21.0, 0.08, 1)]
    [InlineData(2.8, 21, 21.0, 0.02, 0, 2, 2.66, 1, 21.0, 0.05, 1)]
    [InlineData(2.8, 21, 21.0, 0.02, 0, 3, 2.74, 58, 58.0, 0.02, 0)]
    [InlineData(2.8, 21, 21.0, 0.02, 0, 4, 2.82, 62, 62.0, 0.0, 0)] // difficulty floor
    [InlineData(2.8, 21, 21.0, 0.02, 0, 5, 2.9, 67, 67.0, 0.0, 0)]
    [InlineData(1.35, 0, 0.0, 0.5, 2, 0, 1.3, 1, 1.0, 0.59, 3)] // interval 0 counts as 1
    [InlineData(1.35, 0, 0.0, 0.5, 2, 3, 1.3, 1, 1.0, 0.5, 2)]
    [InlineData(1.35, 0, 0.0, 0.5, 2, 4, 1.37, 2, 2.0, 0.47, 2)]
    [InlineData(1.35, 0, 0.0, 0.5, 2, 5, 1.45, 2, 2.0, 0.44, 2)]
    [InlineData(1.3, 5, 5.0, 0.3, 0, 3, 1.3, 6, 6.0, 0.3, 0)] // 5 · 1.3 = 6.5 → 6 (half to even)
    [InlineData(1.3, 15, 15.0, 0.3, 0, 3, 1.3, 20, 20.0, 0.3, 0)] // 15 · 1.3 = 19.5 → 20 (half to even)
    public void Review_follows_the_v2_formula(
        double ease, int interval, double stability, double difficulty, int lapses, int grade,
        double easeAfter, int intervalAfter, double stabilityAfter, double difficultyAfter, int lapsesAfter)
    {
        var item = Item(ease, interval, stability, difficulty, lapses);

        var outcome = item.Review(grade, Now, Guid.NewGuid());

        item.Ease.Should().BeApproximately(easeAfter, 1e-9);
        item.Interval.Should().Be(intervalAfter);
        item.Stability.Should().Be(stabilityAfter);
        item.Difficulty.Should().BeApproximately(difficultyAfter, 1e-9);
        item.Lapses.Should().Be(lapsesAfter);
        item.DueAt.Should().Be(Now + Duration.FromDays(intervalAfter));
        outcome.IntervalDays.Should().Be(intervalAfter);
        outcome.Ease.Should().Be(item.Ease);
        outcome.Lapsed.Should().Be(grade < 3);
    }

    [Fact]
    public void The_reference_case_grade_5_from_interval_5_gives_14_days()
    {
        var item = Item(2.5, 5, 5, 0.3, 0);

        var outcome = item.Review(5, Now, Guid.NewGuid());

        outcome.Ease.Should().Be(2.6);
        outcome.IntervalDays.Should().Be(14);
        outcome.NextDueAt.Should().Be(Instant.FromUtc(2025, 5, 24, 12, 0));
    }

    [Theory]
    [InlineData(7, 5, 2.6, 3)]
    [InlineData(99, 5, 2.6, 3)]
    [InlineData(-1, 0, 2.2, 1)]
    [InlineData(int.MinValue, 0, 2.2, 1)]
    public void Grades_outside_0_to_5_are_clamped(int grade, int loggedGrade, double easeAfter, int intervalAfter)
    {
        var item = Item(2.5, 1, 0, 0.3, 0);

        var outcome = item.Review(grade, Now, Guid.NewGuid());

        outcome.Log.Grade.Should().Be(loggedGrade);
        item.Ease.Should().BeApproximately(easeAfter, 1e-9);
        item.Interval.Should().Be(intervalAfter);
    }

    [Fact]
    public void Repeated_failures_floor_ease_at_1_3_and_count_every_lapse()
    {
        var item = Item(2.5, 30, 30, 0.3, 0);

        for (var i = 0; i < 6; i++)
        {
            item.Review(0, Now, Guid.NewGuid());
        }

        item.Ease.Should().Be(1.3);
        item.Lapses.Should().Be(6);
        item.Interval.Should().Be(1);
        item.Stability.Should().Be(30, "stability never decreases");
        item.Difficulty.Should().BeApproximately(0.84, 1e-9);
    }

    [Fact]
    public void The_review_log_records_the_previous_due_time_and_a_negative_delta_when_early()
    {
        var due = Instant.FromUtc(2025, 5, 10, 13, 0);
        var item = Item(2.5, 5, 5, 0.3, 0, due: due);
        var logId = Guid.Parse("99999999-0000-0000-0000-000000000009");

        var log = item.Review(4, Now, logId).Log;

        log.Should().Be(new ReviewLogEntry(
            logId, UserId, ItemId, 4, ScheduledFor: due, ReviewedAt: Now,
            NextDueAt: Instant.FromUtc(2025, 5, 23, 12, 0), DeltaSeconds: -3600));
    }

    [Theory]
    [InlineData(90_500, 90)] // 90.5 s late → 90
    [InlineData(-90_500, -90)] // 90.5 s early → -90, truncated toward zero, not floored to -91
    [InlineData(-999, 0)]
    [InlineData(2 * 86_400_000, 172_800)]
    public void Delta_seconds_are_whole_seconds_truncated_toward_zero(long lateByMs, long expected)
    {
        var due = Now - Duration.FromMilliseconds(lateByMs);
        var item = Item(2.5, 1, 0, 0.3, 0, due: due);

        item.Review(3, Now, Guid.NewGuid()).Log.DeltaSeconds.Should().Be(expected);
    }
}

public class SchedulerCeilingTests
{
    [Fact]
    public void A_long_run_of_perfect_reviews_stops_at_the_interval_ceiling_instead_of_overflowing()
    {
        var now = NodaTime.Instant.FromUtc(2025, 1, 1, 0, 0);
        var item = Teski.Domain.Memory.MemoryItem.ScheduleFromMistake(Guid.NewGuid(), Guid.NewGuid(), "c", null, now, new Teski.Domain.Memory.SchedulerSettings());

        for (var i = 0; i < 60; i++)
        {
            item.Review(5, now, Guid.NewGuid());
        }

        item.Interval.Should().Be(Teski.Domain.Memory.MemoryItem.MaxIntervalDays);
        item.DueAt.Should().Be(now + NodaTime.Duration.FromDays(3_650));
    }

    [Fact]
    public void The_legacy_card_stops_at_the_same_ceiling()
    {
        var now = NodaTime.Instant.FromUtc(2025, 1, 1, 0, 0);
        var card = Teski.Domain.Memory.LegacyReviewCard.New(1, null, "t", now);

        for (var i = 0; i < 200; i++)
        {
            card.ApplyResult(true, now);
        }

        card.LastIntervalDays.Should().Be(3_650);
    }
}
