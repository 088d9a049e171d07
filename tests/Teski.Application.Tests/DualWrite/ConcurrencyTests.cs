using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Memory.LegacyReviewResult;
using Teski.Application.Memory.LogLegacyMistake;
using Teski.Application.Memory.LogMistake;
using Teski.Application.Memory.NextReviews;
using Teski.Application.Memory.Review;
using Teski.Application.Memory.Stats;
using Teski.Domain.Analytics;
using Teski.Infrastructure.Persistence;
using Teski.Testing;

namespace Teski.Application.Tests.DualWrite;

/// <summary>Parallel writes to one item / one user lose no update and create no duplicate; conflicts are retried, not surfaced.</summary>
public class ConcurrencyTests
{
    public static TheoryData<DatabaseProvider, RolloutStage> Cases() => new()
    {
        { DatabaseProvider.Sqlite, RolloutStage.DualWriteV2Primary },
        { DatabaseProvider.Postgres, RolloutStage.DualWriteV2Primary },
        { DatabaseProvider.Postgres, RolloutStage.V2Only },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Twenty_parallel_reviews_of_one_item_all_count(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage, new V2RuleSettings { DailyReviewCap = 1000 });
        var user = UserRef.V2(Guid.NewGuid());
        var item = await h.SendAsync(new LogMistakeCommand(user, "integrals", null, null, null, null));

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => h.SendAsync(new ReviewCommand(user, item.MemoryId, 2))));

        (await h.CountAsync(StoreKind.V2, "reviewlog")).Should().Be(20);
        // Twenty failed reviews in any order: 20 lapses, ease at its floor. A lost update would show fewer lapses.
        (await h.ScalarAsync(StoreKind.V2, "SELECT lapses FROM memoryitem")).Should().Match<object>(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) == 20);
        (await h.CountAsync(StoreKind.V2, "xpevent", "reason <> 'mistake'")).Should().Be(20);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Twenty_parallel_mistake_logs_for_one_new_concept_make_one_item(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage);
        var user = UserRef.V2(Guid.NewGuid());

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => h.SendAsync(new LogMistakeCommand(user, "matrices", null, $"attempt {i}", null, null))));

        results.Select(r => r.MemoryId).Distinct().Should().ContainSingle();
        (await h.CountAsync(StoreKind.V2, "memoryitem")).Should().Be(1);
        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(20);
        (await h.CountAsync(StoreKind.V2, "user")).Should().Be(1);
        if (stage == RolloutStage.DualWriteV2Primary)
        {
            await h.DrainAsync();
            (await h.CountAsync(StoreKind.Legacy, "mistake_logs")).Should().Be(20);
            (await h.CountAsync(StoreKind.Legacy, "review_cards")).Should().Be(1);
            (await h.CountAsync(StoreKind.Legacy, "user")).Should().Be(1);
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Twenty_parallel_legacy_logs_and_results_on_the_legacy_primary(DatabaseProvider provider)
    {
        await using var h = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteLegacyPrimary);
        var user = UserRef.Legacy(5);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => h.SendAsync(new LogLegacyMistakeCommand(user, null, "geo-1", 2, "recall", null, "{}", V1: true))));
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => h.SendAsync(new LegacyReviewResultCommand(user, "geo-1", Correct: false))));
        await h.DrainAsync();

        (await h.CountAsync(StoreKind.Legacy, "mistake_logs")).Should().Be(20);
        (await h.CountAsync(StoreKind.Legacy, "review_cards")).Should().Be(1);
        (await h.ScalarAsync(StoreKind.Legacy, "SELECT mistake_count FROM memory_stats")).Should().Match<object>(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) == 20);
        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(20);
        (await h.CountAsync(StoreKind.V2, "memoryitem")).Should().Be(1);
        (await h.CountAsync(StoreKind.V2, "reviewlog", "grade = 2")).Should().Be(20);
    }

    /// <summary>
    /// GET /memory/next and GET /memory/stats are <c>IStepwiseWrite</c>s: without a mirror their first attempt runs
    /// without a transaction. Twenty first uses of one new person at once race to create the user; the losers' retry
    /// (in a transaction, with what the failed attempt left tracked dropped) must find the winner's row.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Twenty_parallel_first_fetches_of_a_new_user_make_one_user_and_twenty_fetch_events(DatabaseProvider provider, RolloutStage stage)
    {
        await using var h = await StoreHarness.CreateAsync(provider, stage);
        var user = UserRef.V2(Guid.NewGuid());

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => h.SendAsync(new NextReviewsQuery(user, 10))));
        var stats = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => h.SendAsync(new GetStatsQuery(UserRef.V2(Guid.NewGuid())))));

        results.Should().AllSatisfy(r => r.Items.Should().BeEmpty());
        stats.Select(s => s.User.V2Id).Distinct().Should().HaveCount(5);
        (await h.CountAsync(StoreKind.V2, "user")).Should().Be(6);
        (await h.CountAsync(StoreKind.V2, "analyticsevent", $"kind = '{AnalyticsKinds.ReviewFetch}'")).Should().Be(20);
        (await h.CountAsync(StoreKind.Legacy, "user")).Should().Be(0, "a read mirrors nothing");
        (await h.CountAsync(StoreKind.V2, "teski_mirror_backlog")).Should().Be(0);
    }
}
