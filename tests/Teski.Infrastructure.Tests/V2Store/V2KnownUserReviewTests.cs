using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;
using Teski.Domain.Memory;

namespace Teski.Infrastructure.Tests.V2Store;

/// <summary>
/// <c>POST /memory/review</c> for a user the store knows, the user's row read with the review's locks
/// (<see cref="IKnownUserReviewPort"/>, PostgreSQL): it must act exactly as resolving the user and then
/// <see cref="IMemoryPort.ReviewAsync"/> do, and write nothing when it declines.
/// </summary>
public sealed class V2KnownUserReviewTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 10, 8, 0, 0);
    private static readonly V2RuleSettings Rules = new();
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task On_postgres_it_reviews_as_resolve_then_review_does_and_returns_the_resolved_user()
    {
        await using var h = await V2StoreHarness.CreateAsync("postgres");
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        foreach (var (id, legacyId) in new[] { (a, 501L), (b, 502L) })
        {
            // Written behind the store's back: no zone remembered for either user yet.
            var user = await h.InsertUserAsync(id, T0);
            await h.WithStoreAsync(s => s.Users.LinkAsync(legacyId, id, null, None));
            foreach (var concept in new[] { "x", "y", "z" })
            {
                await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, Mistake(concept), T0, Rules, None));
            }
        }

        // Three reviews each: the first of the day (no zone remembered for b yet, so its reads follow the locks), then
        // two more (the zone remembered), one of them a lapse.
        var steps = new[] { ("x", 5, T0 + Duration.FromHours(1)), ("y", 1, T0 + Duration.FromHours(2)), ("z", 4, T0 + Duration.FromHours(3)) };
        foreach (var (concept, grade, at) in steps)
        {
            var userA = (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(a), null, create: true, at, None)))!;
            var itemA = await ItemIdAsync(h, a, concept);
            var viaResolve = await h.WithStoreAsync(s => s.Memory.ReviewAsync(userA, ReviewTarget.Memory(itemA), grade, at, Rules, None));

            var itemB = await ItemIdAsync(h, b, concept);
            var known = await h.WithStoreAsync(s => ((IKnownUserReviewPort)s.Memory).ReviewKnownUserAsync(b, ReviewTarget.Memory(itemB), grade, at, Rules, None));

            known.Should().NotBeNull();
            known!.User.Should().Be((await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(b), null, create: false, at, None)))!);
            known.User.LegacyId.Should().Be(502);
            known.Recorded.Should().NotBeNull();
            known.Recorded!.MemoryId.Should().Be(itemB);
            (known.Recorded with { MemoryId = null }).Should().Be(viaResolve! with { MemoryId = null }, $"review of {concept}");
        }

        // The rows the two ways wrote are the same, user for user.
        await using var db = h.NewContext();
        foreach (var id in new[] { a, b })
        {
            (await db.ReviewLogs.CountAsync(r => r.UserId == id)).Should().Be(3);
            (await db.XpEvents.CountAsync(x => x.UserId == id)).Should().Be(await db.XpEvents.CountAsync(x => x.UserId == a));
            (await db.AnalyticsEvents.CountAsync(e => e.UserId == id)).Should().Be(await db.AnalyticsEvents.CountAsync(e => e.UserId == a));
        }
        var rowA = await db.Users.SingleAsync(u => u.Id == a);
        var rowB = await db.Users.SingleAsync(u => u.Id == b);
        (rowB.StreakDays, rowB.LastStreakAt).Should().Be((rowA.StreakDays, rowA.LastStreakAt));
        var itemsA = await db.MemoryItems.Where(m => m.UserId == a).OrderBy(m => m.Concept).Select(m => new { m.Concept, m.DueAt, m.Ease, m.Interval, m.Lapses }).ToListAsync();
        var itemsB = await db.MemoryItems.Where(m => m.UserId == b).OrderBy(m => m.Concept).Select(m => new { m.Concept, m.DueAt, m.Ease, m.Interval, m.Lapses }).ToListAsync();
        itemsB.Should().Equal(itemsA);
    }

    [Fact]
    public async Task On_postgres_a_zone_changed_since_it_was_remembered_counts_the_day_in_the_new_zone()
    {
        await using var h = await V2StoreHarness.CreateAsync("postgres");
        var id = Guid.NewGuid();
        var user = (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(id), null, create: true, T0, None)))!;
        // A known user's resolve: the process now remembers UTC for them.
        (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(id), null, create: true, T0, None)))!.TimeZone.Should().Be("UTC");
        foreach (var concept in new[] { "a", "b" })
        {
            await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, Mistake(concept), T0 - Duration.FromHours(8), Rules, None));
        }
        // 01:00 UTC on 10 March: today in UTC, yesterday in New York (UTC-4), where T0 (08:00 UTC) is 04:00.
        await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.ByConcept("a"), 5, T0 - Duration.FromHours(7), Rules, None));
        await using (var setup = h.NewContext())
        {
            await setup.Users.Where(u => u.Id == id).ExecuteUpdateAsync(u => u.SetProperty(r => r.Timezone, "America/New_York"));
        }

        var item = await ItemIdAsync(h, id, "b");
        var known = await h.WithStoreAsync(s => ((IKnownUserReviewPort)s.Memory).ReviewKnownUserAsync(id, ReviewTarget.Memory(item), 5, T0, Rules, None));

        known!.User.TimeZone.Should().Be("America/New_York");
        known.Recorded!.FirstReviewToday.Should().BeTrue("the earlier review was yesterday in New York");
    }

    [Fact]
    public async Task On_postgres_it_declines_a_user_the_store_does_not_know_and_writes_nothing()
    {
        await using var h = await V2StoreHarness.CreateAsync("postgres");
        var id = Guid.NewGuid();

        (await h.WithStoreAsync(s => ((IKnownUserReviewPort)s.Memory).ReviewKnownUserAsync(id, ReviewTarget.Memory(Guid.NewGuid()), 5, T0, Rules, None)))
            .Should().BeNull();

        await using var db = h.NewContext();
        (await db.Users.CountAsync()).Should().Be(0);
        (await db.ReviewLogs.CountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task On_postgres_an_item_that_is_not_the_users_gives_the_user_no_review_and_nothing_is_written()
    {
        await using var h = await V2StoreHarness.CreateAsync("postgres");
        var (owner, other) = (Guid.NewGuid(), Guid.NewGuid());
        var ownerUser = (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(owner), null, create: true, T0, None)))!;
        await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(other), null, create: true, T0, None));
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(ownerUser, Mistake("a"), T0, Rules, None));
        var item = await ItemIdAsync(h, owner, "a");

        var known = await h.WithStoreAsync(s => ((IKnownUserReviewPort)s.Memory).ReviewKnownUserAsync(other, ReviewTarget.Memory(item), 5, T0 + Duration.FromHours(1), Rules, None));

        known!.User.V2Id.Should().Be(other);
        known.Recorded.Should().BeNull();
        await using var db = h.NewContext();
        (await db.ReviewLogs.CountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task On_sqlite_it_declines()
    {
        await using var h = await V2StoreHarness.CreateAsync("sqlite");
        var id = Guid.NewGuid();
        var user = (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(id), null, create: true, T0, None)))!;
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, Mistake("a"), T0, Rules, None));
        var item = await ItemIdAsync(h, id, "a");

        (await h.WithStoreAsync(s => ((IKnownUserReviewPort)s.Memory).ReviewKnownUserAsync(id, ReviewTarget.Memory(item), 5, T0 + Duration.FromHours(1), Rules, None)))
            .Should().BeNull();

        await using var db = h.NewContext();
        (await db.ReviewLogs.CountAsync()).Should().Be(0);
    }

    private static async Task<Guid> ItemIdAsync(V2StoreHarness h, Guid userId, string concept)
    {
        await using var db = h.NewContext();
        return await db.MemoryItems.Where(m => m.UserId == userId && m.Concept == concept).Select(m => m.Id).SingleAsync();
    }

    private static MistakeEntry Mistake(string concept) =>
        new(MistakeOrigin.V2, concept, concept, null, null, LegacyMistakeClassifier.DefaultErrorType, null, "other", "{\"answer\":\"-2\"}", null);
}
