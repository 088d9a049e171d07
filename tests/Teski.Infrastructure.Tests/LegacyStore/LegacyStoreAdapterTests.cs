using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;
using Teski.Domain.Memory;
using Teski.Infrastructure.Legacy;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Tests.LegacyStore;

/// <summary>The legacy store's ports with the legacy app's behaviour (legacy-schema.md), on SQLite and PostgreSQL.</summary>
public abstract class LegacyStoreAdapterTests
{
    protected static readonly Instant T0 = Instant.FromUtc(2025, 1, 15, 10, 0); // 12:00 in Helsinki
    protected static readonly CancellationToken None = CancellationToken.None;
    private static readonly V2RuleSettings V2Rules = new();
    private static readonly LegacyRuleSettings Rules = new();

    protected abstract DatabaseProvider Provider { get; }

    private Task<LegacyStoreHarness> NewAsync(bool withErrorSubtype = true) => LegacyStoreHarness.CreateAsync(Provider, withErrorSubtype);

    private static UserIdentity User(long id) => new(id, null, "Europe/Helsinki", true, null);

    private static string Text(Instant i) => LegacyTime.FormatUtc(i);

    private static MistakeEntry Entry(MistakeOrigin origin, string? template, long? skill = 3, long? instance = null, string? subtype = null) =>
        new(origin, template ?? "skill:3", template, skill, instance, "recall", subtype, "legacy:" + (subtype ?? "recall"), "{\"reason\":\"x\"}", null);

    // ---- users ----

    [Fact]
    public async Task A_legacy_id_resolves_with_or_without_a_user_row()
    {
        await using var h = await NewAsync();
        var uuid = Guid.Parse("0b4e7a52-8c1f-4a34-9a57-2f1c4c0b5a11");
        await h.Db.InsertUserAsync(5, uuid.ToString("D"), "a@x.fi");
        await h.Db.InsertUserAsync(6, "not-a-uuid", "b@x.fi");

        var known = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.Legacy(5), null, false, T0, None));
        var odd = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.Legacy(6), null, false, T0, None));
        var rowless = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.Legacy(77), null, false, T0, None));

        known!.Profile!.Email.Should().Be("a@x.fi");
        (known with { Profile = null }).Should().Be(new UserIdentity(5, uuid, "Europe/Helsinki", true, null));
        (odd! with { Profile = null }).Should().Be(new UserIdentity(6, null, "Europe/Helsinki", true, null));
        rowless.Should().Be(new UserIdentity(77, null, "Europe/Helsinki", true, null));
    }

    [Fact]
    public async Task A_v2_uuid_creates_exactly_one_synthetic_legacy_user()
    {
        await using var h = await NewAsync();
        var uuid = Guid.Parse("5f0c3f9e-7d7b-4b8e-9f7e-0b9e3d1c2a44");

        (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(uuid), null, false, T0, None))).Should().BeNull();
        var first = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(uuid), null, true, T0, None));
        var second = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(uuid), null, true, T0 + Duration.FromHours(1), None));

        first!.V2Id.Should().Be(uuid);
        second.Should().Be(first);
        await using var ctx = h.NewContext();
        var row = await ctx.Users.SingleAsync();
        row.Id.Should().Be((int)first.LegacyId!.Value);
        row.ExternalUserId.Should().Be("5f0c3f9e-7d7b-4b8e-9f7e-0b9e3d1c2a44");
        row.Email.Should().Be("v2-5f0c3f9e7d7b4b8e9f7e0b9e3d1c2a44@users.teski.invalid");
        row.Role.Should().Be(LegacyRoles.Student);
        row.Onboarded.Should().BeFalse();
        row.HashedPassword.Should().Be("");
        (await h.Db.ReadStoredTextAsync("user", "created_at", row.Id)).Should().Be("2025-01-15 12:00:00.000000", "Helsinki wall time");
    }

    [Fact]
    public async Task A_v2_uuid_the_v2_store_maps_to_a_legacy_row_without_uuid_resolves_to_that_row()
    {
        await using var h = await NewAsync();
        await h.Db.InsertUserAsync(9, null, "old@x.fi");
        var uuid = Guid.NewGuid();

        var user = await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(uuid), new UserIdentity(9, uuid, "Europe/Helsinki", true, null), true, T0, None));

        user!.LegacyId.Should().Be(9);
        (await h.NewContext().Users.CountAsync()).Should().Be(1);
    }

    // ---- mistakes ----

    [Fact]
    public async Task A_plain_log_inserts_the_mistake_and_lowers_stats_stability_but_schedules_no_card()
    {
        await using var h = await NewAsync();
        var first = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(User(1), Entry(MistakeOrigin.Legacy, "frac", instance: 4), T0, V2Rules, None));
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(User(1), Entry(MistakeOrigin.Legacy, "frac"), T0 + Duration.FromMinutes(1), V2Rules, None));

        first.LegacyId.Should().BePositive();
        first.Concept.Should().Be("frac");
        await using var ctx = h.NewContext();
        var log = await ctx.MistakeLogs.SingleAsync(m => m.Id == first.LegacyId);
        log.Should().BeEquivalentTo(new { UserId = 1, SkillId = 3, TemplateCode = "frac", InstanceId = 4, ErrorType = "recall", Weight = 1.0, OccurredAt = T0, ResolvedAt = (Instant?)null });
        log.Detail.Should().Be("{\"reason\":\"x\"}");
        var stats = await ctx.MemoryStats.SingleAsync();
        stats.MistakeCount.Should().Be(2);
        stats.Stability.Should().BeApproximately(0.27, 1e-12);
        stats.LastMissedAt.Should().Be(T0 + Duration.FromMinutes(1));
        (await ctx.ReviewCards.CountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task A_v1_log_creates_the_card_and_a_later_one_only_pulls_it_in()
    {
        await using var h = await NewAsync();
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(User(1), Entry(MistakeOrigin.LegacyV1, "frac", subtype: "sign"), T0, V2Rules, None));
        await using (var ctx = h.NewContext())
        {
            var card = await ctx.ReviewCards.SingleAsync();
            card.Should().BeEquivalentTo(new
            {
                UserId = 1,
                SkillId = 3,
                TemplateCode = "frac",
                Easiness = 2.3,
                Stability = 0.3,
                LastIntervalDays = 0.0,
                NextReviewAt = T0 + Duration.FromMinutes(20),
                Status = "scheduled",
                LastResult = (bool?)null,
                UpdatedAt = T0,
            });
            (await ctx.MistakeLogs.SingleAsync()).ErrorSubtype.Should().Be("sign");
        }
        // A later mistake never pushes the card back ...
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(User(1), Entry(MistakeOrigin.LegacyV1, "frac"), T0 + Duration.FromMinutes(5), V2Rules, None));
        (await h.NewContext().ReviewCards.SingleAsync()).NextReviewAt.Should().Be(T0 + Duration.FromMinutes(20));
        // ... but pulls a far card in to now + 20 min, scheduled again.
        await h.Db.ExecuteAsync("UPDATE review_cards SET next_review_at = " + (Provider == DatabaseProvider.Sqlite ? "@p0" : "CAST(@p0 AS timestamp)") + ", status = 'completed'",
            Text(T0 + Duration.FromDays(5)));
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(User(1), Entry(MistakeOrigin.LegacyV1, "frac"), T0 + Duration.FromHours(1), V2Rules, None));
        var pulled = await h.NewContext().ReviewCards.SingleAsync();
        pulled.NextReviewAt.Should().Be(T0 + Duration.FromMinutes(80));
        pulled.Status.Should().Be("scheduled");
        (await h.NewContext().MistakeLogs.CountAsync()).Should().Be(3);
    }

    [Fact]
    public async Task A_v1_log_works_on_a_database_without_error_subtype()
    {
        await using var h = await NewAsync(withErrorSubtype: false);
        var logged = await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(User(1), Entry(MistakeOrigin.LegacyV1, "frac", subtype: "unit"), T0, V2Rules, None));

        logged.LegacyId.Should().BePositive();
        (await h.Db.ScalarAsync("SELECT template_code FROM mistake_logs")).Should().Be("frac");
        (await h.NewContext().ReviewCards.CountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task A_mirrored_v2_mistake_with_text_raw_is_stored_as_valid_json()
    {
        await using var h = await NewAsync();
        var entry = new MistakeEntry(MistakeOrigin.V2, "fractions", "fractions", null, null, "other", null, "near_miss", "plain words", null);
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(User(1), entry, T0, V2Rules, None));

        (await h.NewContext().MistakeLogs.SingleAsync()).Detail.Should().Be("{\"raw\":\"plain words\"}");
        (await h.NewContext().ReviewCards.SingleAsync()).TemplateCode.Should().Be("fractions");
        (await h.NewContext().MemoryStats.SingleAsync()).SkillId.Should().BeNull();
    }

    // ---- reviews ----

    [Fact]
    public async Task Review_results_follow_legacy_SM2()
    {
        await using var h = await NewAsync();
        await h.Db.InsertReviewCardAsync(1, 1, "frac", Text(T0));
        var day = Duration.FromDays(1);

        var r1 = await h.WithStoreAsync(s => s.Memory.ReviewAsync(User(1), ReviewTarget.ByConcept("frac"), 5, T0, V2Rules, None));
        r1.Should().BeEquivalentTo(new { ReviewCardId = 1L, Concept = "frac", IntervalDays = 1.0, NextDueAt = T0 + day, XpAwarded = 0, FirstReviewToday = false, MemoryId = (Guid?)null });
        r1!.Ease.Should().BeApproximately(2.4, 1e-12);
        var r2 = await h.WithStoreAsync(s => s.Memory.ReviewAsync(User(1), ReviewTarget.ByConcept("frac"), 4, T0 + day, V2Rules, None));
        r2!.IntervalDays.Should().Be(6);
        r2.Ease.Should().BeApproximately(2.5, 1e-12);
        var r3 = await h.WithStoreAsync(s => s.Memory.ReviewAsync(User(1), ReviewTarget.ByConcept("frac"), 2, T0 + (2 * day), V2Rules, None));
        r3!.IntervalDays.Should().Be(3, "wrong after 6 days: max(1, 6 · 0.5)");
        r3.Ease.Should().BeApproximately(2.18, 1e-12, "2.5 + 0.1 − 3 · (0.08 + 3 · 0.02)");

        var card = await h.NewContext().ReviewCards.SingleAsync();
        card.Status.Should().Be("scheduled");
        card.LastResult.Should().BeFalse();
        card.LastIntervalDays.Should().Be(3);
        card.NextReviewAt.Should().Be(T0 + (5 * day));
        card.UpdatedAt.Should().Be(T0 + (2 * day));
    }

    [Fact]
    public async Task A_correct_first_review_completes_the_card_and_a_wrong_one_is_half_a_day()
    {
        await using var h = await NewAsync();
        await h.Db.InsertReviewCardAsync(1, 1, "a", Text(T0));
        await h.Db.InsertReviewCardAsync(2, 1, "b", Text(T0));

        await h.WithStoreAsync(s => s.Memory.ReviewAsync(User(1), ReviewTarget.ByConcept("a"), 5, T0, V2Rules, None));
        var wrong = await h.WithStoreAsync(s => s.Memory.ReviewAsync(User(1), ReviewTarget.ByConcept("b"), 2, T0, V2Rules, None));

        (await h.NewContext().ReviewCards.SingleAsync(c => c.Id == 1)).Status.Should().Be("completed");
        wrong!.IntervalDays.Should().Be(0.5);
        wrong.NextDueAt.Should().Be(T0 + Duration.FromHours(12));
        wrong.Ease.Should().BeApproximately(1.98, 1e-12, "2.3 + 0.1 − 3 · (0.08 + 3 · 0.02)");
    }

    [Fact]
    public async Task A_review_of_an_unknown_template_or_a_memory_id_is_null()
    {
        await using var h = await NewAsync();
        await h.Db.InsertReviewCardAsync(1, 2, "frac", Text(T0));

        (await h.WithStoreAsync(s => s.Memory.ReviewAsync(User(1), ReviewTarget.ByConcept("frac"), 5, T0, V2Rules, None))).Should().BeNull("another user's card");
        (await h.WithStoreAsync(s => s.Memory.ReviewAsync(User(2), ReviewTarget.Memory(Guid.NewGuid()), 5, T0, V2Rules, None))).Should().BeNull();
    }

    // ---- mastery ----

    [Fact]
    public async Task Mastery_resolves_the_three_most_recent_unresolved_mistakes_and_raises_stability()
    {
        await using var h = await NewAsync();
        for (var i = 1; i <= 4; i++)
        {
            await h.Db.InsertMistakeLogAsync(i, 1, occurredAt: Text(T0 - Duration.FromHours(10 - i)), templateCode: "frac", skillId: 3);
        }
        await h.Db.InsertMistakeLogAsync(5, 1, occurredAt: Text(T0), templateCode: "other", skillId: 3);
        await h.Db.InsertMemoryStatsAsync(1, 1, 3, mistakeCount: 5, stability: 1.0);

        var resolved = await h.WithStoreAsync(s => s.Memory.MarkMasteredAsync(User(1), "frac", T0, None));

        resolved.Should().Be(3);
        await using var ctx = h.NewContext();
        var logs = await ctx.MistakeLogs.OrderBy(m => m.Id).ToListAsync();
        logs.Select(m => m.ResolvedAt).Should().Equal(null, T0, T0, T0, null);
        logs.Select(m => m.Weight).Should().Equal(1.0, 0.5, 0.5, 0.5, 1.0);
        var stats = await ctx.MemoryStats.SingleAsync();
        stats.Stability.Should().BeApproximately(1.15, 1e-12);
        stats.LastMasteredAt.Should().Be(T0);
    }

    [Fact]
    public async Task Mastery_without_mistakes_creates_a_null_skill_stats_row_at_0_4()
    {
        await using var h = await NewAsync();
        (await h.WithStoreAsync(s => s.Memory.MarkMasteredAsync(User(1), "frac", T0, None))).Should().Be(0);
        var stats = await h.NewContext().MemoryStats.SingleAsync();
        stats.Should().BeEquivalentTo(new { UserId = 1, SkillId = (int?)null, MistakeCount = 0, Stability = 0.4, LastMasteredAt = (Instant?)T0 });
    }

    // ---- resurface plans ----

    [Fact]
    public async Task A_resurface_plan_schedules_the_top_mistakes_at_the_offsets_capped_by_the_horizon()
    {
        await using var h = await NewAsync();
        await h.Db.InsertMistakeLogAsync(1, 1, occurredAt: Text(T0 - Duration.FromDays(7)), templateCode: "B");
        await h.Db.InsertMistakeLogAsync(2, 1, occurredAt: Text(T0 - Duration.FromDays(1)), templateCode: "A", skillId: 8);
        await h.Db.InsertMistakeLogAsync(3, 1, occurredAt: Text(T0), templateCode: "C", weight: 0.2);
        await h.Db.InsertMistakeLogAsync(4, 1, occurredAt: Text(T0), templateCode: "D", resolvedAt: Text(T0));

        var scheduled = await h.WithStoreAsync(s => s.Memory.BuildResurfacePlanAsync(User(1), 2, 15, T0, Rules, None));
        var again = await h.WithStoreAsync(s => s.Memory.BuildResurfacePlanAsync(User(1), 2, 15, T0, Rules, None));

        scheduled.Should().Be(2);
        again.Should().Be(0, "the same plans already exist (unique user, template, time)");
        var plans = await h.NewContext().ResurfacePlans.OrderBy(p => p.ScheduledFor).ToListAsync();
        plans.Select(p => (p.TemplateCode, p.ScheduledFor, p.Status, p.SkillId)).Should().Equal(
            ("A", T0 + Duration.FromMinutes(10), "pending", (int?)8),
            ("B", T0 + Duration.FromMinutes(15), "pending", (int?)null));
        plans.Should().AllSatisfy(p => p.CreatedAt.Should().Be(T0));
    }

    [Fact]
    public async Task Taking_resurfaced_serves_due_plans_skips_templateless_ones_and_names_the_latest_instance()
    {
        await using var h = await NewAsync();
        await h.Db.InsertResurfacePlanAsync(1, 1, "A", Text(T0 - Duration.FromMinutes(5)));
        await h.Db.InsertResurfacePlanAsync(2, 1, null, Text(T0 - Duration.FromMinutes(4)));
        await h.Db.InsertResurfacePlanAsync(3, 1, "B", Text(T0 + Duration.FromMinutes(1)));
        await h.Db.InsertResurfacePlanAsync(4, 1, "C", Text(T0 - Duration.FromMinutes(9)), status: LegacyResurfacePlanStatuses.Served);
        await h.Db.InsertMistakeLogAsync(1, 1, occurredAt: Text(T0 - Duration.FromDays(2)), templateCode: "A", instanceId: 11);
        await h.Db.InsertMistakeLogAsync(2, 1, occurredAt: Text(T0 - Duration.FromDays(1)), templateCode: "A", instanceId: 12);
        await h.Db.InsertMistakeLogAsync(3, 1, occurredAt: Text(T0), templateCode: "A", instanceId: null);

        var items = await h.WithStoreAsync(s => s.Memory.TakeResurfacedAsync(User(1), 3, T0, None));

        items.Should().Equal(new ResurfaceItem("A", 12));
        var statuses = await h.NewContext().ResurfacePlans.OrderBy(p => p.Id).Select(p => p.Status).ToListAsync();
        statuses.Should().Equal("served", "skipped", "pending", "served");
        (await h.WithStoreAsync(s => s.Memory.TakeResurfacedAsync(User(1), 3, T0, None))).Should().BeEmpty();
    }

    // ---- review queue ----

    [Fact]
    public async Task Build_reviews_backs_off_when_more_than_the_backoff_cards_are_queued()
    {
        await using var h = await NewAsync();
        for (var i = 1; i <= 21; i++)
        {
            await h.Db.InsertReviewCardAsync(i, 1, "t" + i, Text(T0 + Duration.FromDays(i)));
        }
        (await h.WithStoreAsync(s => s.Memory.BuildReviewsAsync(User(1), 3, 60, T0, Rules, None))).Should().Be(0);
        await h.Db.ExecuteAsync("UPDATE review_cards SET status = 'completed' WHERE id = 21");
        (await h.WithStoreAsync(s => s.Memory.BuildReviewsAsync(User(1), 3, 60, T0, Rules, None))).Should().Be(3, "20 queued is not more than 20");
    }

    [Fact]
    public async Task Build_reviews_does_nothing_while_a_card_is_due_and_otherwise_pulls_in_the_soonest()
    {
        await using var h = await NewAsync();
        await h.Db.InsertReviewCardAsync(1, 1, "a", Text(T0 + Duration.FromMinutes(30)));
        await h.Db.InsertReviewCardAsync(2, 1, "b", Text(T0 + Duration.FromDays(2)));
        await h.Db.InsertReviewCardAsync(3, 1, "c", Text(T0 + Duration.FromDays(3)));
        await h.Db.InsertReviewCardAsync(4, 1, "d", Text(T0 - Duration.FromMinutes(1)), status: LegacyReviewCardStatuses.Due);

        (await h.WithStoreAsync(s => s.Memory.BuildReviewsAsync(User(1), 2, 60, T0, Rules, None))).Should().Be(0);
        await h.Db.ExecuteAsync("UPDATE review_cards SET status = 'completed' WHERE id = 4");
        (await h.WithStoreAsync(s => s.Memory.BuildReviewsAsync(User(1), 2, 60, T0, Rules, None))).Should().Be(2);

        var next = await h.NewContext().ReviewCards.OrderBy(c => c.Id).Select(c => c.NextReviewAt).ToListAsync();
        next.Should().Equal(T0 + Duration.FromMinutes(30), T0 + Duration.FromMinutes(60), T0 + Duration.FromDays(3), T0 - Duration.FromMinutes(1));
    }

    [Fact]
    public async Task Serving_due_reviews_respects_the_daily_cap_of_six_over_24_hours()
    {
        await using var h = await NewAsync();
        await h.Db.InsertReviewCardAsync(1, 1, "s1", Text(T0 - Duration.FromDays(1)), status: "served", updatedAt: Text(T0 - Duration.FromHours(1)));
        await h.Db.InsertReviewCardAsync(2, 1, "s2", Text(T0 - Duration.FromDays(1)), status: "served", updatedAt: Text(T0 - Duration.FromHours(23)));
        await h.Db.InsertReviewCardAsync(3, 1, "s3", Text(T0 - Duration.FromDays(1)), status: "served", updatedAt: Text(T0 - Duration.FromHours(25)));
        for (var i = 10; i < 18; i++)
        {
            await h.Db.InsertReviewCardAsync(i, 1, i == 10 ? null : "t" + i, Text(T0 - Duration.FromMinutes(i)), skillId: 7);
        }
        await h.Db.InsertMistakeLogAsync(1, 1, templateCode: "t17", instanceId: 99);

        var served = await h.WithStoreAsync(s => s.Memory.ServeDueReviewsAsync(User(1), 10, T0, Rules, None));

        served.Select(q => q.ReviewCardId).Should().Equal(17L, 16L, 15L, 14L);
        served[0].Should().Be(new QueuedReview(17, null, "t17", 99, "t17"));
        var after = await h.NewContext().ReviewCards.Where(c => c.Id >= 10).OrderBy(c => c.Id).Select(c => c.Status).ToListAsync();
        after.Should().Equal("scheduled", "scheduled", "scheduled", "scheduled", "served", "served", "served", "served");
        (await h.WithStoreAsync(s => s.Memory.ServeDueReviewsAsync(User(1), 10, T0, Rules, None))).Should().BeEmpty("6 served in 24 h");
        var later = await h.WithStoreAsync(s => s.Memory.ServeDueReviewsAsync(User(1), 1, T0 + Duration.FromHours(24), Rules, None));
        later.Should().ContainSingle().Which.Should().Be(new QueuedReview(13, null, "t13", null, "t13"));
    }

    [Fact]
    public async Task A_served_card_without_template_is_named_by_its_skill()
    {
        await using var h = await NewAsync();
        await h.Db.InsertReviewCardAsync(1, 1, null, Text(T0), skillId: 7);
        var served = await h.WithStoreAsync(s => s.Memory.ServeDueReviewsAsync(User(1), 1, T0, Rules, None));
        served.Should().Equal(new QueuedReview(1, null, null, null, "skill:7"));
    }

    [Fact]
    public async Task Next_due_and_stats_read_the_cards()
    {
        await using var h = await NewAsync();
        // T0 is 12:00 in Helsinki; the Helsinki day began at 22:00Z the day before.
        await h.Db.InsertReviewCardAsync(1, 1, "a", Text(T0 - Duration.FromMinutes(5)));
        await h.Db.InsertReviewCardAsync(2, 1, "b", Text(T0 - Duration.FromMinutes(50)), status: "due");
        await h.Db.InsertReviewCardAsync(3, 1, "c", Text(T0 + Duration.FromDays(1)), status: "completed", lastResult: true, updatedAt: Text(T0 - Duration.FromHours(11)));
        await h.Db.InsertReviewCardAsync(4, 1, "d", Text(T0 + Duration.FromDays(1)), lastResult: false, updatedAt: Text(T0 - Duration.FromHours(1)));
        await h.Db.InsertReviewCardAsync(5, 1, "e", Text(T0 + Duration.FromDays(1)), status: "completed", lastResult: true, updatedAt: Text(T0 - Duration.FromHours(13)));

        var next = await h.WithStoreAsync(s => s.Memory.NextDueAsync(User(1), 5, T0, None));
        var stats = await h.WithStoreAsync(s => s.Memory.StatsAsync(User(1), T0, None));

        next.Items.Should().Equal(new DueItem(null, 2, "b", T0 - Duration.FromMinutes(50)), new DueItem(null, 1, "a", T0 - Duration.FromMinutes(5)));
        next.ReviewedToday.Should().Be(2, "cards 3 and 4 were answered today in Helsinki; card 5 yesterday");
        stats.Should().Be(new MemoryStatsView(2, 0, 2, 1, 1));
    }

    // ---- progress and personas ----

    [Fact]
    public async Task Progress_reads_points_as_xp_and_records_analytics()
    {
        await using var h = await NewAsync();
        await h.Db.InsertUserAsync(1, null, "a@x.fi");
        await h.Db.InsertLeaderboardAsync(1, 1, "JOIN");
        await h.Db.InsertPointsEventAsync(1, 1, 1, "task_completed", 10, occurredAt: Text(T0));
        await h.Db.InsertPointsEventAsync(2, 1, 1, "streak_bonus", 5, occurredAt: Text(T0 + Duration.FromHours(1)));

        var xp = await h.WithStoreAsync(s => s.Progress.XpSummaryAsync(User(1), None));
        xp.Should().BeEquivalentTo(new { TotalXp = 15, StreakDays = 0, LastEvent = new { Amount = 5, Reason = "streak_bonus", Ts = T0 + Duration.FromHours(1) } });
        (await h.WithStoreAsync(s => s.Progress.AssignAsync(User(1), "memory_v1", "B", T0, None))).Should().Be("B");
        (await h.WithStoreAsync(s => s.Progress.FindAssignmentAsync(User(1), "memory_v1", None))).Should().BeNull();
        (await h.WithStoreAsync(s => s.Progress.BadgesAsync(User(1), None))).Should().BeEmpty();

        var v2Only = new UserIdentity(null, Guid.Parse("0b4e7a52-8c1f-4a34-9a57-2f1c4c0b5a11"), "Europe/Helsinki", true, null);
        await h.WithStoreAsync(async s =>
        {
            await s.Progress.RecordEventAsync(User(1), "review", "{\"a\":1}", T0, None);
            await s.Progress.RecordEventAsync(v2Only, "login", "{}", T0, None);
            await s.Progress.RecordEventAsync(null, "anon", "{}", T0, None);
            await s.Progress.RecordEventAsync(User(1) with { AnalyticsConsent = false }, "nope", "{}", T0, None);
            return true;
        });
        var events = await h.NewContext().AnalyticsEvents.OrderBy(e => e.Id).ToListAsync();
        events.Select(e => (e.UserId, e.EventType, e.Ts, e.Meta)).Should().Equal(
            ("1", "review", T0, "{\"a\":1}"),
            ("0b4e7a52-8c1f-4a34-9a57-2f1c4c0b5a11", "login", T0, "{}"),
            ("", "anon", T0, "{}"));
    }

    [Fact]
    public async Task Personas_come_from_the_personas_table()
    {
        await using var h = await NewAsync();
        await h.Db.InsertPersonaAsync(1, "mood_calm_v1", "Calm", "{\"tone\":\"calm\"}");
        await h.Db.InsertPersonaAsync(2, "mood_snark_v1", "Snark", "{\"tone\":\"snark\"}");

        var all = await h.WithStoreAsync(s => s.Personas.ListDefinitionsAsync(None));
        all.Select(p => p.Code).Should().Equal("mood_calm_v1", "mood_snark_v1");
        (await h.WithStoreAsync(s => s.Personas.FindDefinitionAsync("mood_snark_v1", None)))!.ConfigJson.Should().Contain("snark");
        (await h.WithStoreAsync(s => s.Personas.FindDefinitionAsync("nope", None))).Should().BeNull();
        (await h.WithStoreAsync(s => s.Personas.GetStateAsync(User(1), "Calm", None))).Should().Be(new Application.Persona.PersonaStateView("Calm", null));
    }

    // ---- leaderboard ----

    [Fact]
    public async Task Awards_accumulate_within_an_ISO_week_and_start_over_in_the_next()
    {
        await using var h = await NewAsync();
        await h.Db.InsertUserAsync(1, null, "a@x.fi");
        await h.Db.InsertLeaderboardAsync(1, 1, "JOIN");
        var wednesday = T0; // 2025-01-15: ISO 2025-W03

        var a = await h.WithLeaderboardAsync(l => l.AwardAsync(1, 1, "task_completed", 10, "{\"task\":\"x\"}", wednesday, None));
        var b = await h.WithLeaderboardAsync(l => l.AwardAsync(1, 1, "streak_bonus", 5, null, wednesday + Duration.FromDays(4), None)); // Sunday
        var c = await h.WithLeaderboardAsync(l => l.AwardAsync(1, 1, "deadline_beaten", 3, null, wednesday + Duration.FromDays(5), None)); // Monday, W04
        var unknown = await h.WithLeaderboardAsync(l => l.AwardAsync(42, 1, "task_completed", 10, null, wednesday, None));

        a.Should().BeEquivalentTo(new { Points = 10, WeekYear = 2025, WeekNumber = 3, WeeklyTotal = 10 });
        b.Should().BeEquivalentTo(new { Points = 5, WeekYear = 2025, WeekNumber = 3, WeeklyTotal = 15 });
        c.Should().BeEquivalentTo(new { Points = 3, WeekYear = 2025, WeekNumber = 4, WeeklyTotal = 3 });
        unknown.Should().BeNull();
        await using var ctx = h.NewContext();
        (await ctx.PointsEvents.OrderBy(p => p.Id).Select(p => p.Points).ToListAsync()).Should().Equal(10, 5, 3);
        (await ctx.PointsEvents.SingleAsync(p => p.Id == a!.PointsEventId)).Meta.Should().Be("{\"task\":\"x\"}");
        (await ctx.WeeklyScores.OrderBy(w => w.WeekNumber).Select(w => w.Points).ToListAsync()).Should().Equal(15, 3);
    }

    // ---- backlog ----

    [Fact]
    public async Task The_backlog_claims_only_each_streams_oldest_record_once_per_lease()
    {
        await using var h = await NewAsync();
        Guid a1 = Guid.NewGuid(), a2 = Guid.NewGuid(), b1 = Guid.NewGuid();
        await h.InTransactionWithRetryAsync(async s =>
        {
            await s.Backlog.AddAsync(a1, "l:1", "MistakeFact", "{\"n\":1}", T0, None);
            await s.Backlog.AddAsync(a2, "l:1", "ReviewFact", "{\"n\":2}", T0, None);
            await s.Backlog.AddAsync(b1, "l:2", "MistakeFact", "{\"n\":3}", T0, None);
            return true;
        });
        var lease = Duration.FromSeconds(30);

        var first = await h.WithStoreAsync(s => s.Backlog.ClaimDueAsync(10, T0, lease, null, None));
        first.Select(r => r.Id).Should().Equal(a1, b1);
        first[0].Should().BeEquivalentTo(new { Stream = "l:1", Kind = "MistakeFact", CreatedAt = T0, Attempts = 1, NextAttemptAt = T0 + lease });
        first[0].Payload.Replace(" ", "", StringComparison.Ordinal).Should().Be("{\"n\":1}", "jsonb on PostgreSQL normalises the spacing");
        (await h.WithStoreAsync(s => s.Backlog.ClaimDueAsync(10, T0 + Duration.FromSeconds(1), lease, null, None))).Should().BeEmpty("leased");

        await h.WithStoreAsync(async s =>
        {
            await s.Backlog.MarkAppliedAsync([a1], T0 + Duration.FromSeconds(2), None);
            await s.Backlog.MarkFailedAsync(b1, "mirror down", T0 + Duration.FromMinutes(5), None);
            return true;
        });
        var status = await h.WithStoreAsync(s => s.Backlog.StatusAsync(T0 + Duration.FromMinutes(1), None));
        status.Should().Be(new BacklogStatus(2, Duration.FromMinutes(1), 1));

        var second = await h.WithStoreAsync(s => s.Backlog.ClaimDueAsync(10, T0 + Duration.FromMinutes(1), lease, null, None));
        second.Select(r => r.Id).Should().Equal(a2);
        (await h.WithStoreAsync(s => s.Backlog.ClaimDueAsync(10, T0 + Duration.FromMinutes(6), lease, ["l:2"], None)))
            .Should().ContainSingle().Which.Should().BeEquivalentTo(new { Id = b1, Attempts = 2 });
        (await h.NewContext().MirrorBacklog.SingleAsync(r => r.Id == b1)).LastError.Should().Be("mirror down");
    }

    [Fact]
    public async Task Concurrent_claims_of_one_record_give_it_to_exactly_one_claimer()
    {
        await using var h = await NewAsync();
        var id = Guid.NewGuid();
        await h.InTransactionWithRetryAsync(async s =>
        {
            await s.Backlog.AddAsync(id, "l:1", "MistakeFact", "{}", T0, None);
            return true;
        });

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            h.WithStoreAsync(s => s.Backlog.ClaimDueAsync(5, T0, Duration.FromSeconds(30), null, None)))));

        claims.Sum(c => c.Count).Should().Be(1);
        (await h.NewContext().MirrorBacklog.SingleAsync()).Attempts.Should().Be(1);
    }

    [Fact]
    public async Task Recording_an_applied_record_is_true_once_then_false()
    {
        await using var h = await NewAsync();
        var id = Guid.NewGuid();
        (await h.InTransactionWithRetryAsync(s => s.Backlog.TryRecordAppliedAsync(id, T0, None))).Should().BeTrue();
        var (second, usable) = await h.InTransactionWithRetryAsync(async s =>
        {
            var again = await s.Backlog.TryRecordAppliedAsync(id, T0, None);
            // The transaction is still usable after the duplicate (no aborted PostgreSQL transaction).
            await s.Memory.LogMistakeAsync(User(1), Entry(MistakeOrigin.Legacy, "x"), T0, V2Rules, None);
            return (again, true);
        });
        second.Should().BeFalse();
        usable.Should().BeTrue();
        (await h.NewContext().MirrorApplied.CountAsync()).Should().Be(1);
    }

    // ---- concurrency ----

    [Fact]
    public async Task Twenty_parallel_review_results_on_one_card_lose_no_update()
    {
        await using var h = await NewAsync();
        await h.Db.InsertReviewCardAsync(1, 1, "frac", Text(T0));

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() =>
            h.InTransactionWithRetryAsync(s => s.Memory.ReviewAsync(User(1), ReviewTarget.ByConcept("frac"), 5, T0, V2Rules, None)))));

        var expected = LegacyReviewCard.Rehydrate(1, 1, null, "frac", 2.3, 0.3, 0, T0, LegacyCardStatus.Scheduled, null, T0);
        for (var i = 0; i < 20; i++)
        {
            expected.ApplyResult(true, T0);
        }
        var card = await h.NewContext().ReviewCards.SingleAsync();
        card.Easiness.Should().BeApproximately(expected.Easiness, 1e-9, "every one of the 20 updates built on the previous one");
        card.LastIntervalDays.Should().BeApproximately(expected.LastIntervalDays, 1e-6 * expected.LastIntervalDays);
        card.LastResult.Should().BeTrue();
        card.UpdatedAt.Should().Be(T0);
    }

    [Fact]
    public async Task Twenty_parallel_v1_logs_for_a_new_template_create_one_card_and_one_stats_row()
    {
        await using var h = await NewAsync();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() =>
            h.InTransactionWithRetryAsync(s => s.Memory.LogMistakeAsync(User(1), Entry(MistakeOrigin.LegacyV1, "fresh", skill: null), T0, V2Rules, None)))));

        await using var ctx = h.NewContext();
        (await ctx.MistakeLogs.CountAsync()).Should().Be(20);
        (await ctx.ReviewCards.CountAsync()).Should().Be(1);
        var stats = await ctx.MemoryStats.SingleAsync();
        stats.MistakeCount.Should().Be(20);
        stats.SkillId.Should().BeNull("NULL skill: the unique constraint does not help, the user lock does");
    }
    // ---- the mirror's batch of mistakes ----

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_mirrored_batch_of_mistakes_writes_the_rows_one_at_a_time_writes(bool withErrorSubtype)
    {
        var (batched, single) = await MistakeBatchAgainstOneAtATimeAsync(withErrorSubtype, setupSql: null);

        batched.Should().Equal(single);
        batched.Count(r => r.StartsWith("log ", StringComparison.Ordinal)).Should().Be(BatchEntries.Length + 2);
        batched.Count(r => r.StartsWith("link ", StringComparison.Ordinal)).Should().Be(BatchEntries.Count(e => e.Entry.V2MistakeId is not null));
    }

    /// <summary>The entries of the batch tests: existing and new cards and stats rows, two mistakes on one new card, a plain log.</summary>
    private static readonly (long User, int Minute, MistakeEntry Entry)[] BatchEntries =
    [
        // User 1's existing card and stats row (skill 3), from the setup.
        (1, 1, Entry(MistakeOrigin.V2, "frac") with { V2MistakeId = Guid.Parse("0a000000-0000-4000-8000-000000000001") }),
        // A new card and a new stats row with no skill, twice: the second sees what the first created.
        (2, 2, Entry(MistakeOrigin.LegacyV1, "new", skill: null, instance: 41, subtype: "unit") with { V2MistakeId = Guid.Parse("0a000000-0000-4000-8000-000000000002") }),
        (2, 3, Entry(MistakeOrigin.V2, "new", skill: null, instance: 42) with { V2MistakeId = Guid.Parse("0a000000-0000-4000-8000-000000000003") }),
        // The plain legacy log: no card, no link.
        (1, 4, Entry(MistakeOrigin.Legacy, "plain", skill: 9)),
        // User 3's card exists with a stats row of another skill (7): a new stats row for skill 3.
        (3, 5, Entry(MistakeOrigin.V2, "frac") with { V2MistakeId = Guid.Parse("0a000000-0000-4000-8000-000000000005") }),
    ];

    /// <summary>
    /// The legacy rows after <see cref="BatchEntries"/> through the mirror's batch port in one transaction, and after the
    /// same entries logged one at a time (the store's own write, through EF), on two fresh databases with the same setup.
    /// </summary>
    protected async Task<(List<string> Batched, List<string> Single)> MistakeBatchAgainstOneAtATimeAsync(bool withErrorSubtype, string? setupSql)
    {
        await using var batched = await NewAsync(withErrorSubtype);
        await using var single = await NewAsync(withErrorSubtype);
        foreach (var h in new[] { batched, single })
        {
            await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(User(1), Entry(MistakeOrigin.V2, "frac"), T0, V2Rules, None));
            await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(User(3), Entry(MistakeOrigin.V2, "frac", skill: 7), T0, V2Rules, None));
            if (setupSql is not null)
            {
                await h.Db.ExecuteAsync(setupSql);
            }
        }

        await batched.InTransactionWithRetryAsync(async s =>
        {
            var people = await ((IMistakeBatchPort)s.Memory).ApplyMistakesAsync(
                BatchEntries.Select(e => new MirroredMistake(User(e.User), e.Entry, T0 + Duration.FromMinutes(e.Minute))).ToList(), None);
            people.Select(p => p.LegacyId).Should().Equal(BatchEntries.Select(e => (long?)e.User));
            return 0;
        }, maxAttempts: 1);
        foreach (var (user, minute, entry) in BatchEntries)
        {
            // The port's own write links a row with a v2 id too.
            await single.InTransactionWithRetryAsync(
                s => s.Memory.LogMistakeAsync(User(user), entry, T0 + Duration.FromMinutes(minute), V2Rules, None), maxAttempts: 1);
        }
        return (await MemoryRowsAsync(batched), await MemoryRowsAsync(single));
    }

    /// <summary>Every mistake log (in id order), stats row, card and mistake row link, as comparable text without ids.</summary>
    private static async Task<List<string>> MemoryRowsAsync(LegacyStoreHarness h)
    {
        await using var db = h.NewContext();
        var logs = await db.MistakeLogs.AsNoTracking().OrderBy(m => m.Id).ToListAsync();
        var rows = logs.Select(m => $"log {m.UserId} {m.SkillId} {m.TemplateCode} {m.InstanceId} {m.ErrorType} {m.ErrorSubtype} {m.Detail} {m.Weight} {m.OccurredAt} {m.ResolvedAt}").ToList();
        rows.AddRange((await db.MemoryStats.AsNoTracking().ToListAsync()).OrderBy(s => (s.UserId, s.SkillId))
            .Select(s => $"stats {s.UserId} {s.SkillId} {s.MistakeCount} {s.LastMissedAt} {s.LastMasteredAt} {s.Stability}"));
        rows.AddRange((await db.ReviewCards.AsNoTracking().ToListAsync()).OrderBy(c => (c.UserId, c.TemplateCode))
            .Select(c => $"card {c.UserId} {c.SkillId} {c.TemplateCode} {c.Easiness} {c.Stability} {c.LastIntervalDays} {c.NextReviewAt} {c.Status} {c.LastResult} {c.UpdatedAt}"));
        var byId = logs.ToDictionary(m => m.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        rows.AddRange((await db.RowLinks.AsNoTracking().Where(l => l.Entity == "mistake_logs").ToListAsync())
            .Select(l => $"link {l.V2Id} {byId[l.LegacyId].UserId} {byId[l.LegacyId].OccurredAt}").Order(StringComparer.Ordinal));
        return rows;
    }
}

public sealed class SqliteLegacyStoreAdapterTests : LegacyStoreAdapterTests
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
}

public sealed class PostgresLegacyStoreAdapterTests : LegacyStoreAdapterTests
{
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;

    [Fact]
    public async Task A_mirrored_batch_of_mistakes_still_writes_them_when_the_log_ids_come_from_a_sequence_the_column_does_not_own()
    {
        // The batch draws the logs' ids from pg_get_serial_sequence('mistake_logs', 'id'); a column whose default uses a
        // sequence it does not own (a hand-made table) has none to name, and the batch's writes go through EF.
        var (batched, single) = await MistakeBatchAgainstOneAtATimeAsync(withErrorSubtype: true,
            setupSql: "ALTER SEQUENCE mistake_logs_id_seq OWNED BY NONE");

        batched.Should().Equal(single);
        batched.Should().Contain(r => r.StartsWith("link ", StringComparison.Ordinal));
        await using var h = await LegacyStoreHarness.CreateAsync(Provider);
        await h.Db.ExecuteAsync("ALTER SEQUENCE mistake_logs_id_seq OWNED BY NONE");
        (await h.Db.ScalarAsync("SELECT pg_get_serial_sequence('mistake_logs', 'id')")).Should().BeNull("the case the EF path is for");
    }
}
