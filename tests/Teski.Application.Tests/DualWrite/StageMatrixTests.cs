using Teski.Application.Analytics.AssignAb;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Leaderboard.AwardPoints;
using Teski.Application.Memory.LegacyQueue;
using Teski.Application.Memory.LegacyReviewResult;
using Teski.Application.Memory.LogLegacyMistake;
using Teski.Application.Memory.LogMistake;
using Teski.Application.Memory.Review;
using Teski.Infrastructure.Persistence;
using Teski.Testing;

namespace Teski.Application.Tests.DualWrite;

/// <summary>
/// Every write use case in each of the four stages, on SQLite and PostgreSQL: exactly the expected rows in both
/// stores (product-contract.md, "Stages"; the mirror's meaning per ADR 0004).
/// </summary>
public class StageMatrixTests
{
    private static readonly UserRef LegacyUser = UserRef.Legacy(7);
    private static readonly UserRef V2User = UserRef.V2(Guid.Parse("0b6f3c52-9a3e-4d7e-8f7a-1f2e3d4c5b6a"));

    public static TheoryData<DatabaseProvider, RolloutStage> AllStages()
    {
        var data = new TheoryData<DatabaseProvider, RolloutStage>();
        foreach (var p in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            foreach (var s in Enum.GetValues<RolloutStage>())
            {
                data.Add(p, s);
            }
        }
        return data;
    }

    public static TheoryData<DatabaseProvider, RolloutStage> V2Stages()
    {
        var data = new TheoryData<DatabaseProvider, RolloutStage>();
        foreach (var p in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            data.Add(p, RolloutStage.DualWriteV2Primary);
            data.Add(p, RolloutStage.V2Only);
        }
        return data;
    }

    private static bool WritesLegacy(RolloutStage s) => s != RolloutStage.V2Only;

    private static bool WritesV2(RolloutStage s) => s != RolloutStage.LegacyOnly;

    [Theory]
    [MemberData(nameof(AllStages))]
    public async Task Legacy_v1_mistake_lands_in_primary_and_mirror(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage);

        var result = await h.SendAsync(new LogLegacyMistakeCommand(LegacyUser, 11, "frac-add", 3, "concept", null, """{"reason":"sign slip"}""", V1: true));

        result.Id.Should().BePositive();
        (await h.CountAsync(StoreKind.Legacy, "mistake_logs")).Should().Be(WritesLegacy(stage) ? 1 : 0);
        (await h.CountAsync(StoreKind.Legacy, "review_cards", "template_code = 'frac-add'")).Should().Be(WritesLegacy(stage) ? 1 : 0);
        (await h.CountAsync(StoreKind.Legacy, "memory_stats")).Should().Be(WritesLegacy(stage) ? 1 : 0);
        (await h.CountAsync(StoreKind.V2, "mistake", "concept = 'frac-add' AND subtype = 'legacy:sign'")).Should().Be(WritesV2(stage) ? 1 : 0);
        (await h.CountAsync(StoreKind.V2, "memoryitem", "concept = 'frac-add'")).Should().Be(WritesV2(stage) ? 1 : 0);
        (await h.CountAsync(StoreKind.V2, "legacy_user_map", "legacy_user_id = 7")).Should().Be(WritesV2(stage) ? 1 : 0);
        // A legacy-origin mistake carries no XP on the v2 side (migration-rules.md: the backfill adds none either).
        (await h.CountAsync(StoreKind.V2, "xpevent")).Should().Be(0);
        await AssertBacklogsSettled(h);
    }

    [Theory]
    [MemberData(nameof(V2Stages))]
    public async Task V2_mistake_lands_in_v2_and_mirrors_to_legacy_in_dual_write(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage);

        var result = await h.SendAsync(new LogMistakeCommand(V2User, "derivative-chain", null, "forgot inner derivative", null, null));

        result.Concept.Should().Be("derivative-chain");
        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(1);
        (await h.CountAsync(StoreKind.V2, "memoryitem")).Should().Be(1);
        (await h.CountAsync(StoreKind.V2, "xpevent", "amount = 3 AND reason = 'mistake'")).Should().Be(1);
        var mirrored = stage == RolloutStage.DualWriteV2Primary ? 1 : 0;
        (await h.CountAsync(StoreKind.Legacy, "mistake_logs", "template_code = 'derivative-chain'")).Should().Be(mirrored);
        (await h.CountAsync(StoreKind.Legacy, "review_cards", "template_code = 'derivative-chain'")).Should().Be(mirrored);
        (await h.CountAsync(StoreKind.Legacy, "user", "external_user_id = @p0", V2User.V2Id!.Value.ToString("D"))).Should().Be(mirrored);
        await AssertBacklogsSettled(h);
    }

    [Theory]
    [MemberData(nameof(V2Stages))]
    public async Task V2_review_updates_item_and_mirrors_the_card(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage);
        var logged = await h.SendAsync(new LogMistakeCommand(V2User, "limits", null, null, null, null));
        h.Clock.AdvanceMinutes(30);

        var review = await h.SendAsync(new ReviewCommand(V2User, logged.MemoryId, 4));

        review.IntervalDays.Should().Be(3); // max(1, round(1 · (2.52 + 0.15))) = 3
        review.Ease.Should().BeApproximately(2.52, 1e-9);
        review.XpAwarded.Should().Be(10);
        (await h.CountAsync(StoreKind.V2, "reviewlog", "grade = 4")).Should().Be(1);
        (await h.CountAsync(StoreKind.V2, "xpevent")).Should().Be(2);
        var mirrored = stage == RolloutStage.DualWriteV2Primary ? 1 : 0;
        // Grade 4 is "correct" for the legacy card: the SM-2 update sets last_result and completes the card.
        (await h.CountAsync(StoreKind.Legacy, "review_cards", "template_code = 'limits' AND status = 'completed'")).Should().Be(mirrored);
        await AssertBacklogsSettled(h);
    }

    [Theory]
    [MemberData(nameof(AllStages))]
    public async Task Legacy_review_result_updates_the_card_or_item_in_both(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage);
        await h.SendAsync(new LogLegacyMistakeCommand(LegacyUser, null, "units-1", null, "unit", null, "{}", V1: true));
        h.Clock.AdvanceMinutes(25);

        var result = await h.SendAsync(new LegacyReviewResultCommand(LegacyUser, "units-1", Correct: true));

        result.NextReviewAt.Should().BeGreaterThan(h.Clock.GetCurrentInstant());
        (await h.CountAsync(StoreKind.Legacy, "review_cards", "template_code = 'units-1' AND status = 'completed'")).Should().Be(WritesLegacy(stage) ? 1 : 0);
        // In v2 the legacy answer is a review with grade 5, with XP (the bridge's rule).
        (await h.CountAsync(StoreKind.V2, "reviewlog", "grade = 5")).Should().Be(WritesV2(stage) ? 1 : 0);
        (await h.CountAsync(StoreKind.V2, "xpevent", "reason = 'review'")).Should().Be(WritesV2(stage) ? 1 : 0);
        await AssertBacklogsSettled(h);
    }

    [Theory]
    [MemberData(nameof(AllStages))]
    public async Task Mark_mastered_resolves_legacy_mistakes(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage);
        for (var i = 0; i < 4; i++)
        {
            await h.SendAsync(new LogLegacyMistakeCommand(LegacyUser, null, "algebra-1", 5, "concept", null, "{}", V1: false));
            h.Clock.AdvanceMinutes(1);
        }

        await h.SendAsync(new MarkMasteredCommand(LegacyUser, "algebra-1"));

        (await h.CountAsync(StoreKind.Legacy, "mistake_logs", "resolved_at IS NOT NULL")).Should().Be(WritesLegacy(stage) ? 3 : 0);
        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(WritesV2(stage) ? 4 : 0);
        await AssertBacklogsSettled(h);
    }

    [Theory]
    [MemberData(nameof(AllStages))]
    public async Task Leaderboard_points_go_to_the_week_and_to_xp(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage);
        await h.ScalarAsync(StoreKind.Legacy,
            "INSERT INTO \"user\" (id, email, hashed_password, role, created_at, onboarded) VALUES (7, 'seven@example.com', '', 'STUDENT', '2025-01-01 00:00:00.000000', false)");
        await h.ScalarAsync(StoreKind.Legacy,
            "INSERT INTO leaderboard (id, name, join_code, created_at, creator_user_id) VALUES (1, 'Class', 'ABC', '2025-01-01 00:00:00.000000', 7)");

        await h.SendAsync(new AwardPointsCommand(1, LegacyUser, "task_completed", null, null));
        await h.SendAsync(new AwardPointsCommand(1, LegacyUser, "streak_bonus", null, null));

        (await h.CountAsync(StoreKind.Legacy, "pointsevent")).Should().Be(2);
        Convert.ToInt64(await h.ScalarAsync(StoreKind.Legacy, "SELECT points FROM weeklyscore WHERE user_id = 7"), System.Globalization.CultureInfo.InvariantCulture).Should().Be(15);
        (await h.CountAsync(StoreKind.V2, "xpevent", "reason IN ('task_completed', 'streak_bonus')")).Should().Be(WritesV2(stage) ? 2 : 0);
        await AssertBacklogsSettled(h);
    }

    [Theory]
    [MemberData(nameof(V2Stages))]
    public async Task Ab_assignment_is_v2_only_and_sticky(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage);

        var first = await h.SendAsync(new AssignAbCommand(V2User, "memory_v1"));
        var second = await h.SendAsync(new AssignAbCommand(V2User, "memory_v1"));

        second.Should().Be(first);
        (await h.CountAsync(StoreKind.V2, "abtestassignment")).Should().Be(1);
        await AssertBacklogsSettled(h);
    }

    [Theory]
    [MemberData(nameof(AllStages))]
    public async Task Legacy_queue_operations_change_only_the_primary(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage);
        await h.SendAsync(new LogLegacyMistakeCommand(LegacyUser, 4, "queue-1", null, "recall", null, "{}", V1: true));
        await h.SendAsync(new LogLegacyMistakeCommand(LegacyUser, 5, "queue-2", null, "recall", null, "{}", V1: true));
        var legacyBefore = await h.CountAsync(StoreKind.Legacy, "review_cards");
        var v2Before = await h.CountAsync(StoreKind.V2, "memoryitem");

        var planned = await h.SendAsync(new BuildResurfacePlanCommand(LegacyUser, 3, 1440));
        var built = await h.SendAsync(new BuildReviewsCommand(LegacyUser, 3, 1440));
        h.Clock.AdvanceMinutes(180);
        var resurfaced = await h.SendAsync(new NextResurfacedQuery(LegacyUser, 3));
        var served = await h.SendAsync(new Memory.NextLegacyReviews.NextLegacyReviewsQuery(LegacyUser, 2));

        if (stage is RolloutStage.LegacyOnly or RolloutStage.DualWriteLegacyPrimary)
        {
            planned.Should().Be(2);
            (await h.CountAsync(StoreKind.Legacy, "resurface_plans", "status = 'served'")).Should().Be(2);
            resurfaced.Select(r => r.TemplateCode).Should().BeEquivalentTo(["queue-1", "queue-2"]);
            served.Should().HaveCount(2);
            served[0].Prompt.Should().NotBeNullOrEmpty();
            (await h.CountAsync(StoreKind.Legacy, "review_cards", "status = 'served'")).Should().Be(2);
        }
        else
        {
            // v2 primary answers the legacy queue from memory items and writes nothing for it (docs/api.md).
            built.Should().Be(0);
            resurfaced.Select(r => r.TemplateCode).Should().BeEquivalentTo(["queue-1", "queue-2"]);
            served.Select(r => r.TemplateCode).Should().BeEquivalentTo(["queue-1", "queue-2"]);
            (await h.CountAsync(StoreKind.Legacy, "resurface_plans")).Should().Be(0);
        }
        // Queue operations have no meaning in the other schema: no mirror facts, no row changes there.
        (await h.CountAsync(StoreKind.Legacy, "review_cards")).Should().Be(legacyBefore);
        (await h.CountAsync(StoreKind.V2, "memoryitem")).Should().Be(v2Before);
        await AssertBacklogsSettled(h);
    }

    [Theory]
    [MemberData(nameof(V2Stages))]
    public async Task First_use_read_creates_the_v2_user_only(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage);

        var persona = await h.SendAsync(new Persona.GetPersona.GetPersonaQuery(V2User));

        persona.Persona.Should().Be("calm");
        persona.Warmup.Should().BeTrue();
        (await h.CountAsync(StoreKind.V2, "user")).Should().Be(1);
        (await h.CountAsync(StoreKind.V2, "personastate")).Should().Be(1);
        (await h.CountAsync(StoreKind.Legacy, "user")).Should().Be(0, "a read mirrors nothing");
    }

    /// <summary>Every mirrored record was applied at once (the mirror was up), so nothing waits in either backlog.</summary>
    private static async Task AssertBacklogsSettled(StoreHarness h)
    {
        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(0);
        (await h.CountAsync(StoreKind.V2, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(0);
        h.Metrics.FailedAttempts.Should().Be(0);
    }
}
