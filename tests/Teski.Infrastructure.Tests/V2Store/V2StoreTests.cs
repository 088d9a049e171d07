using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;
using Teski.Domain.Common;
using Teski.Domain.Memory;
using Teski.Infrastructure.V2;
using Store = Teski.Infrastructure.V2.Store.V2Store;

namespace Teski.Infrastructure.Tests.V2Store;

/// <summary>The v2 store's ports against real databases: every test runs on SQLite and on PostgreSQL.</summary>
public sealed class V2StoreTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 10, 8, 0, 0);
    private static readonly V2RuleSettings Rules = new();
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    // ---- users ----

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task First_use_of_a_v2_id_creates_the_user_with_v2_defaults(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var id = Guid.NewGuid();

        (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(id), null, create: false, T0, None))).Should().BeNull();
        var user = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(id), null, create: true, T0, None));

        user.Should().Be(new UserIdentity(null, id, "UTC", true, "calm"));
        await using var db = h.NewContext();
        var row = await db.Users.SingleAsync();
        (row.Id, row.CreatedAt, row.Persona, row.Timezone, row.StreakDays).Should().Be((id, T0, "calm", "UTC", 0));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_legacy_id_resolves_through_the_map_and_first_use_creates_the_stable_user_and_map(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);

        (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.Legacy(42), null, create: false, T0, None))).Should().BeNull();
        var created = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.Legacy(42), null, create: true, T0, None));
        var again = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.Legacy(42), null, create: false, T0, None));
        var byV2 = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(StableId.For("user", 42)), null, create: false, T0, None));

        created!.V2Id.Should().Be(StableId.For("user", 42));
        created.LegacyId.Should().Be(42);
        again.Should().Be(created);
        byV2.Should().Be(created);

        // With a hint, the other store's v2 id is used (it agrees with the backfill's choice).
        var hinted = Guid.NewGuid();
        var withHint = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.Legacy(43), new UserIdentity(43, hinted, "UTC", true, null), true, T0, None));
        withHint!.V2Id.Should().Be(hinted);

        // Link is idempotent.
        var other = Guid.NewGuid();
        await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(other), null, true, T0, None));
        await h.WithStoreAsync(s => s.Users.LinkAsync(44, other, null, None));
        await h.WithStoreAsync(s => s.Users.LinkAsync(44, other, null, None));

        await using var db = h.NewContext();
        (await db.LegacyUserMaps.OrderBy(m => m.LegacyUserId).Select(m => new { m.LegacyUserId, m.UserId }).ToListAsync())
            .Should().Equal(new { LegacyUserId = 42, UserId = StableId.For("user", 42) }, new { LegacyUserId = 43, UserId = hinted }, new { LegacyUserId = 44, UserId = other });
        (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(other), null, false, T0, None)))!.LegacyId.Should().Be(44);

        // A v2 id first seen with a legacy hint (a mirrored fact): created, linked, and answered with the legacy id.
        var mirrored = Guid.NewGuid();
        var fromMirror = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(mirrored), new UserIdentity(45, mirrored, "Europe/Helsinki", false, null), true, T0, None));
        fromMirror!.V2Id.Should().Be(mirrored);
        fromMirror.LegacyId.Should().Be(45);
        (await db.LegacyUserMaps.AnyAsync(m => m.LegacyUserId == 45 && m.UserId == mirrored)).Should().BeTrue();
        // Read back on its own (PostgreSQL: a plain command; SQLite: EF's compiled query), every field as stored.
        await db.Users.Where(u => u.Id == mirrored).ExecuteUpdateAsync(u => u
            .SetProperty(r => r.Timezone, "Europe/Helsinki").SetProperty(r => r.AnalyticsConsent, false).SetProperty(r => r.Persona, (string?)null));
        (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(mirrored), null, false, T0, None)))
            .Should().Be(new UserIdentity(45, mirrored, "Europe/Helsinki", false, null));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_mapped_legacy_id_resolves_to_the_user_row_as_stored(string provider)
    {
        // PostgreSQL reads the map and the row in one statement: every field of the identity comes from the row.
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var created = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.Legacy(42), null, create: true, T0, None));
        await using (var db = h.NewContext())
        {
            await db.Users.Where(u => u.Id == created!.V2Id).ExecuteUpdateAsync(u => u
                .SetProperty(r => r.Timezone, "Asia/Tokyo").SetProperty(r => r.AnalyticsConsent, false).SetProperty(r => r.Persona, "coach"));
        }

        var expected = new UserIdentity(42, StableId.For("user", 42), "Asia/Tokyo", false, "coach");
        (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.Legacy(42), null, create: true, T0, None))).Should().Be(expected);
        (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.Legacy(42), null, create: false, T0, None))).Should().Be(expected);
    }

    // ---- mistakes ----

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Logging_a_v2_mistake_writes_mistake_memory_item_xp_and_analytics(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);

        var logged = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("algebra", "sign"), T0, Rules, None));

        var userId = user.V2Id!.Value;
        logged.MemoryId.Should().Be(StableId.For("memoryitem", StableId.Canonical(userId) + ":algebra"));
        (logged.Concept, logged.Subtype, logged.LegacyId).Should().Be(("algebra", "sign", null));
        await using var db = h.NewContext();
        var mistake = await db.Mistakes.SingleAsync();
        (mistake.Id, mistake.UserId, mistake.Concept, mistake.Subtype, mistake.Raw, mistake.CreatedAt, mistake.TaskId)
            .Should().Be((logged.MistakeId!.Value, userId, "algebra", "sign", "{\"answer\":\"-2\"}", T0, null));
        var item = await db.MemoryItems.SingleAsync();
        (item.Id, item.Ease, item.Interval, item.DueAt, item.Stability, item.Difficulty, item.Lapses)
            .Should().Be((logged.MemoryId!.Value, 2.5, 1, T0 + Duration.FromMinutes(10), 0.0, 0.3, 0));
        var xp = await db.XpEvents.SingleAsync();
        (xp.Amount, xp.Reason, xp.Ts).Should().Be((3, "mistake", T0));
        var events = await db.AnalyticsEvents.OrderBy(e => e.Kind).ToListAsync();
        events.Select(e => e.Kind).Should().Equal("memory.mistake_logged", "xp.awarded");
        Json(events[0].Payload).Should().BeEquivalentTo(new Dictionary<string, object> { ["concept"] = "algebra", ["subtype"] = "sign" });
        Json(events[1].Payload).Should().BeEquivalentTo(new Dictionary<string, object> { ["reason"] = "mistake", ["base"] = 3, ["bonus"] = 0, ["total"] = 3 });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_legacy_origin_mistake_gets_mistake_and_item_only_and_an_unknown_task_is_dropped(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        var entry = new MistakeEntry(MistakeOrigin.LegacyV1, "tpl-1", "tpl-1", null, 7, "concept", "sign", "legacy:sign", "{\"reason\":\"x\"}", Guid.NewGuid());

        var logged = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, entry, T0, Rules, None));

        await using var db = h.NewContext();
        (await db.Mistakes.SingleAsync()).Should().BeEquivalentTo(new { Concept = "tpl-1", Subtype = "legacy:sign", TaskId = (Guid?)null, Raw = "{\"reason\":\"x\"}" });
        (await db.MemoryItems.SingleAsync()).Id.Should().Be(logged.MemoryId!.Value);
        (await db.XpEvents.CountAsync()).Should().Be(0);
        (await db.AnalyticsEvents.CountAsync()).Should().Be(0);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_second_mistake_keeps_the_learned_state_and_pulls_the_due_time_in(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        var first = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("algebra"), T0, Rules, None));
        var reviewed = await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.Memory(first.MemoryId!.Value), 5, T0 + Duration.FromMinutes(20), Rules, None));
        var t2 = T0 + Duration.FromHours(1);

        var second = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("algebra"), t2, Rules, None));

        second.MemoryId.Should().Be(first.MemoryId);
        await using var db = h.NewContext();
        var item = await db.MemoryItems.SingleAsync();
        (item.Ease, item.Interval, item.Lapses).Should().Be((reviewed!.Ease, (int)reviewed.IntervalDays, 0));
        item.DueAt.Should().Be(t2 + Duration.FromMinutes(10));
        (await db.Mistakes.CountAsync()).Should().Be(2);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Without_analytics_consent_no_analytics_rows_are_written(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        await using (var db = h.NewContext())
        {
            await db.Users.ExecuteUpdateAsync(s => s.SetProperty(u => u.AnalyticsConsent, false));
        }
        user = (await h.WithStoreAsync(s => s.Users.ResolveAsync(user.Ref, null, false, T0, None)))!;
        user.AnalyticsConsent.Should().BeFalse();

        var logged = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("algebra"), T0, Rules, None));
        await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.Memory(logged.MemoryId!.Value), 4, T0, Rules, None));
        await h.WithStoreAsync(s => s.Progress.RecordEventAsync(user, "memory.review_fetch", "{\"count\":1}", T0, None));
        await h.WithStoreAsync(s => s.Progress.AwardXpAsync(user, Guid.NewGuid(), 5, "points", T0, None));

        await using var check = h.NewContext();
        (await check.AnalyticsEvents.CountAsync()).Should().Be(0);
        (await check.XpEvents.CountAsync()).Should().Be(3);
    }

    // ---- reviews ----

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_review_updates_the_item_per_the_rule_and_writes_log_xp_and_analytics(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        var logged = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("algebra"), T0, Rules, None));
        var at = T0 + Duration.FromMinutes(20);

        var r = await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.Memory(logged.MemoryId!.Value), 4, at, Rules, None));

        // ease = 2.5 + 0.1 − 1·0.08 = 2.52; interval = round(1 · (2.52 + 0.15)) = 3; difficulty = 0.3 − 0.03.
        r.Should().NotBeNull();
        r!.Ease.Should().BeApproximately(2.52, 1e-12);
        (r.MemoryId, r.Concept, r.IntervalDays, r.NextDueAt, r.XpAwarded, r.FirstReviewToday, r.StreakDays, r.BadgeEarned)
            .Should().Be((logged.MemoryId, "algebra", 3.0, at + Duration.FromDays(3), 10, true, 0, (string?)null));
        await using var db = h.NewContext();
        var item = await db.MemoryItems.SingleAsync();
        item.Ease.Should().BeApproximately(2.52, 1e-12);
        item.Difficulty.Should().BeApproximately(0.27, 1e-12);
        (item.Interval, item.DueAt, item.Stability, item.Lapses).Should().Be((3, at + Duration.FromDays(3), 3.0, 0));
        var log = await db.ReviewLogs.SingleAsync();
        (log.MemoryId, log.Grade, log.ScheduledFor, log.ReviewedAt, log.NextDueAt, log.DeltaSeconds)
            .Should().Be((item.Id, 4, T0 + Duration.FromMinutes(10), at, at + Duration.FromDays(3), 600));
        (await db.XpEvents.Where(x => x.Reason == "review").Select(x => x.Amount).SingleAsync()).Should().Be(10);
        var logged2 = await db.AnalyticsEvents.Where(e => e.Kind == "memory.review_logged").SingleAsync();
        Json(logged2.Payload).Should().BeEquivalentTo(new Dictionary<string, object> { ["concept"] = "algebra", ["grade"] = 4, ["xp"] = 10 });
        var xpEvent = await db.AnalyticsEvents.Where(e => e.Kind == "xp.awarded").OrderByDescending(e => e.Ts).FirstAsync();
        Json(xpEvent.Payload).Should().BeEquivalentTo(new Dictionary<string, object> { ["reason"] = "review", ["base"] = 10, ["bonus"] = 0, ["total"] = 10 });

        var second = await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.ByConcept("algebra"), 1, at + Duration.FromMinutes(1), Rules, None));
        (second!.FirstReviewToday, second.IntervalDays).Should().Be((false, 1.0));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_fifth_review_of_the_day_counts_the_streak(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        var logged = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("algebra"), T0, Rules, None));

        // Past the fifth review too (the store counts the day's reviews only as far as the rule needs), then a
        // second day: its own fifth review extends the streak.
        var streaks = new List<int>();
        var firsts = new List<bool>();
        foreach (var at in Enumerable.Range(1, 8).Select(i => T0 + Duration.FromMinutes(i))
                     .Concat(Enumerable.Range(1, 5).Select(i => T0 + Duration.FromDays(1) + Duration.FromMinutes(i))))
        {
            var r = await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.Memory(logged.MemoryId!.Value), 3, at, Rules, None));
            streaks.Add(r!.StreakDays);
            firsts.Add(r.FirstReviewToday);
        }

        streaks.Should().Equal(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2);
        firsts.Should().Equal(true, false, false, false, false, false, false, false, true, false, false, false, false);
        await using var db = h.NewContext();
        var row = await db.Users.SingleAsync();
        (row.StreakDays, row.LastStreakAt).Should().Be((2, Instant.FromUtc(2026, 3, 11, 0, 0)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_review_counts_the_day_in_the_zone_the_locked_user_row_has_not_the_one_it_was_resolved_with(string provider)
    {
        // PostgreSQL reads the day's reviews in the lock's round trip, for the day of the zone the caller resolved the
        // user with; a zone changed since then must not count another day's reviews.
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var resolved = await NewUserAsync(h); // UTC
        var logged = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(resolved, V2Mistake("algebra"), T0, Rules, None));
        await using (var db = h.NewContext())
        {
            await db.Users.Where(u => u.Id == resolved.V2Id).ExecuteUpdateAsync(u => u.SetProperty(r => r.Timezone, "Pacific/Kiritimati")); // UTC+14
        }
        var item = ReviewTarget.Memory(logged.MemoryId!.Value);

        // 08:01 UTC is 22:01 on 10 March in Kiritimati; 11:00 UTC is 01:00 on 11 March there, while still 10 March in UTC.
        var first = await h.WithStoreAsync(s => s.Memory.ReviewAsync(resolved, item, 4, T0 + Duration.FromMinutes(1), Rules, None));
        var nextLocalDay = await h.WithStoreAsync(s => s.Memory.ReviewAsync(resolved, item, 4, T0 + Duration.FromHours(3), Rules, None));
        var sameLocalDay = await h.WithStoreAsync(s => s.Memory.ReviewAsync(resolved, item, 4, T0 + Duration.FromHours(4), Rules, None));

        (first!.FirstReviewToday, nextLocalDay!.FirstReviewToday, sameLocalDay!.FirstReviewToday).Should().Be((true, true, false));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Two_lapses_then_three_reviews_of_grade_four_or_more_earn_the_nemesis_badge_once(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        var logged = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("limits"), T0, Rules, None));

        var badges = new List<string?>();
        var i = 0;
        foreach (var grade in new[] { 1, 2, 4, 5, 4, 5 })
        {
            i++;
            var r = await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.Memory(logged.MemoryId!.Value), grade, T0 + Duration.FromMinutes(i), Rules, None));
            badges.Add(r!.BadgeEarned);
        }

        badges.Should().Equal(null, null, null, null, "Nemesis::limits", null);
        await using var db = h.NewContext();
        (await db.Badges.Select(b => b.Kind).SingleAsync()).Should().Be("Nemesis::limits");
        var earned = await db.AnalyticsEvents.Where(e => e.Kind == "badge.earned").SingleAsync();
        Json(earned.Payload).Should().BeEquivalentTo(new Dictionary<string, object> { ["kind"] = "Nemesis::limits" });
        (await h.WithStoreAsync(s => s.Progress.BadgesAsync(user, None))).Should().Equal(new Application.Xp.BadgeView("Nemesis::limits", T0 + Duration.FromMinutes(5)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Reviewing_another_users_item_returns_null_and_writes_nothing(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var owner = await NewUserAsync(h);
        var intruder = await NewUserAsync(h);
        var logged = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(owner, V2Mistake("algebra"), T0, Rules, None));

        (await h.WithStoreAsync(s => s.Memory.ReviewAsync(intruder, ReviewTarget.Memory(logged.MemoryId!.Value), 5, T0, Rules, None))).Should().BeNull();
        (await h.WithStoreAsync(s => s.Memory.ReviewAsync(intruder, ReviewTarget.ByConcept("algebra"), 5, T0, Rules, None))).Should().BeNull();
        (await h.WithStoreAsync(s => s.Memory.ReviewAsync(owner, ReviewTarget.Memory(Guid.NewGuid()), 5, T0, Rules, None))).Should().BeNull();

        await using var db = h.NewContext();
        (await db.ReviewLogs.CountAsync()).Should().Be(0);
        (await db.MemoryItems.SingleAsync()).Ease.Should().Be(2.5);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Next_due_lists_due_items_earliest_first_up_to_the_limit_with_todays_count(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        var c = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("c"), T0 + Duration.FromMinutes(2), Rules, None));
        var a = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("a"), T0, Rules, None));
        var b = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("b"), T0 + Duration.FromMinutes(1), Rules, None));
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("later"), T0 + Duration.FromHours(2), Rules, None));
        var now = T0 + Duration.FromMinutes(30);

        var two = await h.WithStoreAsync(s => s.Memory.NextDueAsync(user, 2, now, None));
        var all = await h.WithStoreAsync(s => s.Memory.NextDueAsync(user, 10, now, None));
        var none = await h.WithStoreAsync(s => s.Memory.NextDueAsync(user, 0, now, None));

        two.Items.Select(i => i.MemoryId).Should().Equal(a.MemoryId, b.MemoryId);
        two.Items[0].DueAt.Should().Be(T0 + Duration.FromMinutes(10));
        all.Items.Select(i => i.Concept).Should().Equal("a", "b", "c");
        (none.Items.Count, none.ReviewedToday).Should().Be((0, 0));

        await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.Memory(c.MemoryId!.Value), 2, now, Rules, None));
        await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.Memory(a.MemoryId!.Value), 5, now, Rules, None));
        var after = await h.WithStoreAsync(s => s.Memory.NextDueAsync(user, 10, now, None));
        after.ReviewedToday.Should().Be(2);
        after.Items.Select(i => i.Concept).Should().Equal("b");

        var stats = await h.WithStoreAsync(s => s.Memory.StatsAsync(user, now, None));
        stats.Should().Be(new MemoryStatsView(TodayReviewed: 2, StreakDays: 0, DueCount: 1, ExercisesCorrectToday: 1, ExercisesIncorrectToday: 1));
        // Nothing left due: today's count still comes back (it is read on its own when no item row carries it).
        await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.Memory(b.MemoryId!.Value), 4, now, Rules, None));
        var drained = await h.WithStoreAsync(s => s.Memory.NextDueAsync(user, 10, now, None));
        (drained.Items.Count, drained.ReviewedToday).Should().Be((0, 3));
        // The next local day starts from zero.
        (await h.WithStoreAsync(s => s.Memory.NextDueAsync(user, 0, T0 + Duration.FromDays(1), None))).ReviewedToday.Should().Be(0);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Legacy_only_operations_answer_from_due_items_without_writing(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        var a = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("a"), T0, Rules, None));
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("b"), T0 + Duration.FromMinutes(1), Rules, None));
        var now = T0 + Duration.FromHours(1);
        var legacy = new LegacyRuleSettings();

        (await h.WithStoreAsync(s => s.Memory.MarkMasteredAsync(user, "a", now, None))).Should().Be(0);
        (await h.WithStoreAsync(s => s.Memory.BuildReviewsAsync(user, 5, 60, now, legacy, None))).Should().Be(0);
        (await h.WithStoreAsync(s => s.Memory.BuildResurfacePlanAsync(user, 1, 60, now, legacy, None))).Should().Be(1);
        (await h.WithStoreAsync(s => s.Memory.TakeResurfacedAsync(user, 10, now, None))).Should().Equal(new ResurfaceItem("a", null), new ResurfaceItem("b", null));
        (await h.WithStoreAsync(s => s.Memory.ServeDueReviewsAsync(user, 10, now, legacy, None)))
            .Should().Equal(new QueuedReview(null, a.MemoryId, "a", null, "a"), new QueuedReview(null, StableId.For("memoryitem", StableId.Canonical(user.V2Id!.Value) + ":b"), "b", null, "b"));

        await using var db = h.NewContext();
        (await db.MemoryItems.Select(m => m.DueAt).ToListAsync()).Should().BeEquivalentTo([T0 + Duration.FromMinutes(10), T0 + Duration.FromMinutes(11)]);
    }

    // ---- progress & personas ----

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_ab_assignment_is_sticky(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);

        (await h.WithStoreAsync(s => s.Progress.FindAssignmentAsync(user, "exp", None))).Should().BeNull();
        (await h.WithStoreAsync(s => s.Progress.AssignAsync(user, "exp", "control", T0, None))).Should().Be("control");
        (await h.WithStoreAsync(s => s.Progress.AssignAsync(user, "exp", "variant_a", T0, None))).Should().Be("control");
        (await h.WithStoreAsync(s => s.Progress.FindAssignmentAsync(user, "exp", None))).Should().Be("control");

        await using var db = h.NewContext();
        (await db.AbTestAssignments.CountAsync()).Should().Be(1);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Awarding_xp_is_idempotent_on_the_id_and_summarised(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        var id = Guid.NewGuid();

        await h.WithStoreAsync(s => s.Progress.AwardXpAsync(user, id, 7, "points", T0, None));
        await h.WithStoreAsync(s => s.Progress.AwardXpAsync(user, id, 7, "points", T0, None));
        await h.WithStoreAsync(s => s.Progress.AwardXpAsync(user, Guid.NewGuid(), 0, "points", T0, None));
        await h.WithStoreAsync(s => s.Progress.AwardXpAsync(user, Guid.NewGuid(), 2, "bonus", T0 + Duration.FromMinutes(1), None));
        await h.WithStoreAsync(s => s.Progress.RecordEventAsync(null, "anon.ping", "{\"a\":1}", T0, None));

        var summary = await h.WithStoreAsync(s => s.Progress.XpSummaryAsync(user, None));
        summary.Should().Be(new Application.Xp.XpSummary(9, 0, new Application.Xp.XpEventView(2, "bonus", T0 + Duration.FromMinutes(1))));
        await using var db = h.NewContext();
        (await db.XpEvents.CountAsync(x => x.Id == id)).Should().Be(1);
        (await db.AnalyticsEvents.CountAsync(e => e.Kind == "xp.awarded")).Should().Be(2);
        (await db.AnalyticsEvents.SingleAsync(e => e.Kind == "anon.ping")).UserId.Should().BeNull();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_recorded_event_is_stored_with_every_column_as_given_and_one_in_a_rolled_back_transaction_is_gone(string provider)
    {
        // On PostgreSQL the event is a plain INSERT (not EF's SaveChanges): it must still write every column, and join
        // the scope's transaction when there is one.
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        var at = T0 + Duration.FromSeconds(90);

        await h.WithStoreAsync(s => s.Progress.RecordEventAsync(user, "memory.review_fetch", "{\"count\":3}", at, None));
        await h.WithStoreAsync(async s =>
        {
            await using var tx = await s.BeginAsync(None);
            await s.Progress.RecordEventAsync(user, "rolled.back", "{}", at, None);
            return true; // disposed without a commit
        });

        await using var db = h.NewContext();
        var row = await db.AnalyticsEvents.SingleAsync();
        (row.UserId, row.Kind, row.Ts).Should().Be((user.V2Id, "memory.review_fetch", at));
        row.Id.Should().NotBeEmpty();
        Json(row.Payload).Should().BeEquivalentTo(new Dictionary<string, object> { ["count"] = 3 });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Persona_state_is_created_on_first_read_and_records_the_warmup(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);

        (await h.WithStoreAsync(s => s.Personas.ListDefinitionsAsync(None))).Should().NotBeEmpty();
        var state = await h.WithStoreAsync(s => s.Personas.GetStateAsync(user, "coach", None));
        await h.WithStoreAsync(s => s.Personas.MarkWarmupAsync(user, "calm", T0, None));
        var after = await h.WithStoreAsync(s => s.Personas.GetStateAsync(user, "coach", None));

        state.Should().Be(new Application.Persona.PersonaStateView("calm", null));
        after.Should().Be(new Application.Persona.PersonaStateView("calm", T0));
        await using var db = h.NewContext();
        (await db.PersonaStates.SingleAsync()).Id.Should().Be(StableId.For("personastate", StableId.Canonical(user.V2Id!.Value)));
    }

    // ---- backlog ----

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Backlog_claims_only_each_streams_due_head_and_tracks_applied_and_failed(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var lease = Duration.FromSeconds(30);
        Guid a1 = Guid.NewGuid(), a2 = Guid.NewGuid(), b1 = Guid.NewGuid();
        await h.InTransactionWithRetryAsync(async s =>
        {
            await s.Backlog.AddAsync(a1, "u:a", "MistakeFact", "{\"n\":1}", T0, None);
            await s.Backlog.AddAsync(a2, "u:a", "ReviewFact", "{\"n\":2}", T0, None);
            await s.Backlog.AddAsync(b1, "u:b", "XpFact", "{\"n\":3}", T0, None);
            return true;
        });

        var first = await h.WithStoreAsync(s => s.Backlog.ClaimDueAsync(10, T0, lease, null, None));
        first.Select(r => r.Id).Should().Equal(a1, b1);
        first[0].Should().BeEquivalentTo(new { Stream = "u:a", Kind = "MistakeFact", Attempts = 1 }, o => o.ExcludingMissingMembers());
        // jsonb normalizes the text (PostgreSQL), so the payload is compared as JSON.
        Json(first[0].Payload).Should().BeEquivalentTo(new Dictionary<string, object> { ["n"] = 1 });
        (await h.WithStoreAsync(s => s.Backlog.ClaimDueAsync(10, T0, lease, null, None))).Should().BeEmpty("leased");

        var status = await h.WithStoreAsync(s => s.Backlog.StatusAsync(T0 + Duration.FromSeconds(5), None));
        status.Should().Be(new BacklogStatus(3, Duration.FromSeconds(5), 2));

        await h.WithStoreAsync(s => s.Backlog.MarkAppliedAsync([a1], T0, None));
        await h.WithStoreAsync(s => s.Backlog.MarkFailedAsync(b1, "boom", T0 + Duration.FromMinutes(5), None));
        var next = await h.WithStoreAsync(s => s.Backlog.ClaimDueAsync(10, T0 + Duration.FromSeconds(1), lease, null, None));
        next.Select(r => r.Id).Should().Equal(a2);
        (await h.WithStoreAsync(s => s.Backlog.ClaimDueAsync(10, T0 + Duration.FromMinutes(6), lease, ["u:b"], None)))
            .Should().ContainSingle().Which.Should().BeEquivalentTo(new { Id = b1, Attempts = 2 }, o => o.ExcludingMissingMembers());

        await using var db = h.NewContext();
        (await db.MirrorBacklog.SingleAsync(r => r.Id == b1)).LastError.Should().Be("boom");
        (await db.MirrorBacklog.SingleAsync(r => r.Id == a1)).AppliedAt.Should().Be(T0);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_backlog_record_is_written_in_its_writes_transaction_and_rolls_back_with_it(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        Guid kept = Guid.NewGuid(), dropped = Guid.NewGuid();
        await h.WithStoreAsync(async s =>
        {
            await using (var tx = await s.BeginAsync(None))
            {
                await s.Backlog.AddAsync(dropped, "u:a", "ReviewFact", "{\"n\":1}", T0, None);
                // not committed: disposing rolls the record back with the write it belongs to
            }
            await using (var tx = await s.BeginAsync(None))
            {
                await s.Backlog.AddAsync(kept, "u:a", "ReviewFact", "{\"n\":2}", T0, None);
                await tx.CommitAsync(None);
            }
        });

        await using var db = h.NewContext();
        var row = await db.MirrorBacklog.AsNoTracking().SingleAsync();
        row.Should().BeEquivalentTo(new { Id = kept, Stream = "u:a", Kind = "ReviewFact", CreatedAt = T0, NextAttemptAt = T0, Attempts = 0, LastError = (string?)null, AppliedAt = (Instant?)null });
        row.Seq.Should().BePositive();
        Json(row.Payload).Should().BeEquivalentTo(new Dictionary<string, object> { ["n"] = 2 });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task In_a_transaction_begun_for_the_outbox_each_write_is_seen_by_the_next_call_and_commits_or_rolls_back_whole(string provider)
    {
        // On PostgreSQL the port call's last write batch and the outbox inserts after it are held back and sent with
        // the COMMIT (V2Store.BeginAsync); what the transaction sees and keeps must not change.
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        Guid first = Guid.NewGuid(), rolledBack = Guid.NewGuid();
        var at = T0 + Duration.FromMinutes(20);
        await h.WithStoreAsync(async s =>
        {
            await using (var tx = await s.BeginAsync(None))
            {
                await s.Memory.LogMistakeAsync(user, V2Mistake("algebra"), T0, Rules, None);
                // The next call on the store reads the item the held write created.
                var reviewed = await s.Memory.ReviewAsync(user, ReviewTarget.ByConcept("algebra"), 4, at, Rules, None);
                reviewed.Should().NotBeNull("the mistake's write reaches the database before the next call runs");
                await s.Backlog.AddAsync(first, "u:a", "ReviewFact", "{\"n\":1}", at, None);
                await tx.CommitAsync(None);
            }
            // No outbox record follows: the commit sends the held write.
            await using (var tx = await s.BeginAsync(None))
            {
                await s.Memory.LogMistakeAsync(user, V2Mistake("geometry"), T0, Rules, None);
                await tx.CommitAsync(None);
            }
            // Not committed: the write goes with the rest of the transaction.
            await using (var tx = await s.BeginAsync(None))
            {
                await s.Memory.LogMistakeAsync(user, V2Mistake("calculus"), T0, Rules, None);
                await s.Backlog.AddAsync(rolledBack, "u:a", "MistakeFact", "{\"n\":2}", T0, None);
            }
            // An outbox insert that fails (a record id already taken) fails the transaction, held write included, by
            // the commit at the latest (on PostgreSQL it goes with the COMMIT, which then does not run).
            await using (var tx = await s.BeginAsync(None))
            {
                await s.Memory.LogMistakeAsync(user, V2Mistake("trigonometry"), T0, Rules, None);
                var taken = async () =>
                {
                    await s.Backlog.AddAsync(first, "u:a", "MistakeFact", "{\"n\":3}", T0, None);
                    await tx.CommitAsync(None);
                };
                await taken.Should().ThrowAsync<Teski.Application.Common.Mirroring.StoreConflictException>();
            }
            // A transaction in the same scope after the failed one commits as usual.
            await using (var tx = await s.BeginAsync(None))
            {
                await s.Memory.LogMistakeAsync(user, V2Mistake("statistics"), T0, Rules, None);
                await tx.CommitAsync(None);
            }
        });

        await using var db = h.NewContext();
        (await db.MemoryItems.OrderBy(m => m.Concept).Select(m => m.Concept).ToListAsync()).Should().Equal("algebra", "geometry", "statistics");
        (await db.Mistakes.CountAsync()).Should().Be(3);
        (await db.ReviewLogs.Select(r => r.ReviewedAt).SingleAsync()).Should().Be(at);
        (await db.MirrorBacklog.Select(r => r.Id).ToListAsync()).Should().Equal(first);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Concurrent_claims_never_hand_out_the_same_record(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var heads = new List<Guid>();
        await h.InTransactionWithRetryAsync(async s =>
        {
            for (var i = 0; i < 10; i++)
            {
                var head = Guid.NewGuid();
                heads.Add(head);
                await s.Backlog.AddAsync(head, "u:" + i, "XpFact", "{}", T0, None);
                await s.Backlog.AddAsync(Guid.NewGuid(), "u:" + i, "XpFact", "{}", T0, None);
            }
            return true;
        });

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            h.WithStoreAsync(s => s.Backlog.ClaimDueAsync(100, T0, Duration.FromSeconds(30), null, None)))));

        var all = claims.SelectMany(c => c).Select(r => r.Id).ToList();
        all.Should().OnlyHaveUniqueItems().And.BeEquivalentTo(heads);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Recording_an_applied_record_is_true_once_then_false(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var id = Guid.NewGuid();

        var first = await h.InTransactionWithRetryAsync(s => s.Backlog.TryRecordAppliedAsync(id, T0, None));
        var (second, stillUsable) = await h.InTransactionWithRetryAsync(async s =>
        {
            var again = await s.Backlog.TryRecordAppliedAsync(id, T0, None);
            // The transaction survives the duplicate (no exception poisoned it).
            await s.Progress.RecordEventAsync(null, "after.duplicate", "{}", T0, None);
            return (again, true);
        });

        (first, second, stillUsable).Should().Be((true, false, true));
        await using var db = h.NewContext();
        (await db.MirrorApplied.CountAsync()).Should().Be(1);
        (await db.AnalyticsEvents.CountAsync()).Should().Be(1);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_rolled_back_transaction_leaves_nothing(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        await h.WithStoreAsync(async s =>
        {
            await using (await s.BeginAsync(None))
            {
                await s.Memory.LogMistakeAsync(user, V2Mistake("algebra"), T0, Rules, None);
            }
            // The same scope works again after the rollback.
            await using var tx = await s.BeginAsync(None);
            await s.Memory.LogMistakeAsync(user, V2Mistake("geometry"), T0, Rules, None);
            await tx.CommitAsync(None);
        });

        await using var db = h.NewContext();
        (await db.MemoryItems.Select(m => m.Concept).ToListAsync()).Should().Equal("geometry");
        (await db.Mistakes.CountAsync()).Should().Be(1);
    }

    // ---- concurrency ----

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Twenty_parallel_reviews_of_one_item_lose_no_update(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);
        var logged = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("algebra"), T0, Rules, None));
        var id = logged.MemoryId!.Value;
        var at = T0 + Duration.FromMinutes(30);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() =>
            h.InTransactionWithRetryAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.Memory(id), 2, at, Rules, None)))));

        var expected = MemoryItem.ScheduleFromMistake(id, user.V2Id!.Value, "algebra", null, T0, SchedulerSettings.Default);
        for (var i = 0; i < 20; i++)
        {
            expected.Review(2, at, Guid.NewGuid());
        }
        await using var db = h.NewContext();
        (await db.ReviewLogs.CountAsync()).Should().Be(20);
        var item = await db.MemoryItems.SingleAsync();
        (item.Lapses, item.Interval, item.DueAt).Should().Be((expected.Lapses, expected.Interval, expected.DueAt));
        item.Ease.Should().BeApproximately(expected.Ease, 1e-9);
        item.Difficulty.Should().BeApproximately(expected.Difficulty, 1e-9);
        item.Lapses.Should().Be(20);
        (await db.Users.SingleAsync()).StreakDays.Should().Be(1);
        (await db.XpEvents.CountAsync(x => x.Reason == "review")).Should().Be(20);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Twenty_parallel_mistakes_for_a_new_concept_make_one_item(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);
        var user = await NewUserAsync(h);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() =>
            h.InTransactionWithRetryAsync(s => s.Memory.LogMistakeAsync(user, V2Mistake("fractions"), T0, Rules, None)))));

        results.Select(r => r.MemoryId).Distinct().Should().ContainSingle();
        await using var db = h.NewContext();
        (await db.MemoryItems.CountAsync()).Should().Be(1);
        (await db.Mistakes.CountAsync()).Should().Be(20);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Parallel_first_use_of_one_legacy_id_creates_one_user(string provider)
    {
        await using var h = await V2StoreHarness.CreateAsync(provider);

        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            h.InTransactionWithRetryAsync(s => s.Users.ResolveAsync(UserRef.Legacy(7), null, true, T0, None)))));

        ids.Select(i => i!.V2Id).Distinct().Should().Equal(StableId.For("user", 7));
        await using var db = h.NewContext();
        (await db.Users.CountAsync(), await db.LegacyUserMaps.CountAsync()).Should().Be((1, 1));
    }

    private static async Task<UserIdentity> NewUserAsync(V2StoreHarness h) =>
        (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(Guid.NewGuid()), null, create: true, T0, None)))!;

    private static MistakeEntry V2Mistake(string concept, string subtype = "other") =>
        new(MistakeOrigin.V2, concept, concept, null, null, LegacyMistakeClassifier.DefaultErrorType, null, subtype, "{\"answer\":\"-2\"}", null);

    private static Dictionary<string, object> Json(string payload) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(payload)!
            .ToDictionary(kv => kv.Key, kv => kv.Value.ValueKind == JsonValueKind.Number ? (object)kv.Value.GetInt32() : kv.Value.GetString()!);
}
