using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;
using Teski.Domain.Analytics;
using Teski.Domain.Memory;
using Teski.Domain.Users;

namespace Teski.Infrastructure.Tests.V2Store;

/// <summary>
/// <c>GET /memory/next</c> in one statement (<see cref="INextFetchPort"/>, PostgreSQL): it must answer exactly as the
/// two-step path does (<see cref="IMemoryPort.NextDueAsync"/> trimmed by <see cref="DailyCap.Limit"/>, then the fetch
/// event), because the daily-cap rule is written out again in its SQL.
/// </summary>
public sealed class V2NextFetchTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 10, 8, 0, 0);
    private static readonly V2RuleSettings Rules = new();
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task On_postgres_it_answers_as_the_two_step_path_for_every_cap_and_count_and_records_what_it_returned()
    {
        await using var h = await V2StoreHarness.CreateAsync("postgres");
        var user = (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(Guid.NewGuid()), null, create: true, T0, None)))!;
        var concepts = Enumerable.Range(0, 6).Select(i => "c" + i).ToList();
        foreach (var (concept, i) in concepts.Select((c, i) => (c, i)))
        {
            await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, Mistake(concept), T0 + Duration.FromMinutes(i), Rules, None));
        }
        var now = T0 + Duration.FromHours(1);
        var expectedEvents = new List<int>();

        // Today's count grows from 0 to 4 (each review moves one item out of the due list); at every count, a grid of
        // requests and caps on both sides of it, including a cap already passed and nothing due at all.
        for (var reviewed = 0; reviewed <= 4; reviewed++)
        {
            foreach (var requested in new[] { 1, 2, 5, 50 })
            {
                foreach (var cap in new[] { 0, 1, 3, 5, 60 })
                {
                    var due = await h.WithStoreAsync(s => s.Memory.NextDueAsync(user, Math.Min(requested, cap), now, None));
                    var expected = due.Items.Take(DailyCap.Limit(requested, cap, due.ReviewedToday)).ToList();

                    var taken = await h.WithStoreAsync(s => ((INextFetchPort)s.Memory).TakeNextAsync(user.V2Id!.Value, requested, cap, now, None));

                    taken.Should().NotBeNull();
                    // Counted up to the cap: the cap arithmetic is the same for any count at or above it.
                    taken!.ReviewedToday.Should().Be(Math.Min(reviewed, cap));
                    DailyCap.Remaining(cap, taken.ReviewedToday).Should().Be(DailyCap.Remaining(cap, due.ReviewedToday));
                    taken.Items.Should().Equal(expected, $"requested {requested}, cap {cap}, reviewed {reviewed}");
                    expectedEvents.Add(expected.Count);
                }
            }
            if (reviewed < 4)
            {
                await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.ByConcept(concepts[reviewed]), 5, now, Rules, None));
            }
        }
        // Nothing due, reviews today: the count still comes back.
        foreach (var concept in concepts.Skip(4))
        {
            await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.ByConcept(concept), 5, now, Rules, None));
        }
        var drained = await h.WithStoreAsync(s => ((INextFetchPort)s.Memory).TakeNextAsync(user.V2Id!.Value, 10, 60, now, None));
        (drained!.Items.Count, drained.ReviewedToday).Should().Be((0, 6));
        expectedEvents.Add(0);

        await using var db = h.NewContext();
        var events = await db.AnalyticsEvents.Where(e => e.Kind == AnalyticsKinds.ReviewFetch).OrderBy(e => e.Ts).ToListAsync();
        events.Should().HaveCount(expectedEvents.Count);
        events.Should().OnlyContain(e => e.UserId == user.V2Id && e.Ts == now);
        events.Select(e => e.Id).Distinct().Should().HaveCount(events.Count);
        // Same timestamp for all: compare the multiset of counts.
        events.Select(e => Count(e.Payload)).Order().Should().Equal(expectedEvents.Order());
    }

    [Fact]
    public async Task On_postgres_a_user_without_analytics_consent_gets_the_items_and_no_event()
    {
        await using var h = await V2StoreHarness.CreateAsync("postgres");
        // Written behind the store's back, so the process has no zone remembered for the user.
        var user = await h.InsertUserAsync(Guid.NewGuid(), T0, analyticsConsent: false);
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, Mistake("a"), T0, Rules, None));

        // Twice: the first call reads the row before its statement, the second goes by the zone it remembered.
        for (var call = 0; call < 2; call++)
        {
            var taken = await h.WithStoreAsync(s => ((INextFetchPort)s.Memory).TakeNextAsync(user.V2Id!.Value, 5, 60, T0 + Duration.FromHours(1), None));
            taken!.Items.Select(i => i.Concept).Should().Equal("a");
        }
        await using var db = h.NewContext();
        (await db.AnalyticsEvents.CountAsync(e => e.Kind == AnalyticsKinds.ReviewFetch)).Should().Be(0);
    }

    [Fact]
    public async Task On_postgres_a_zone_changed_since_the_last_call_counts_today_in_the_new_zone_and_records_one_event()
    {
        await using var h = await V2StoreHarness.CreateAsync("postgres");
        var id = Guid.NewGuid();
        var user = (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(id), null, create: true, T0, None)))!;
        user.TimeZone.Should().Be("UTC");
        // T0 is 08:00 UTC on 10 March 2026: in New York (UTC-4 since 8 March) it is 04:00, so a review at 01:00 UTC
        // falls on today in UTC and on yesterday in New York.
        var early = T0 - Duration.FromHours(7);
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, Mistake("a"), early - Duration.FromMinutes(5), Rules, None));
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, Mistake("b"), early - Duration.FromMinutes(4), Rules, None));
        await h.WithStoreAsync(s => s.Memory.ReviewAsync(user, ReviewTarget.ByConcept("a"), 5, early, Rules, None));

        var inUtc = await h.WithStoreAsync(s => ((INextFetchPort)s.Memory).TakeNextAsync(id, 5, 60, T0, None));
        (inUtc!.ReviewedToday, inUtc.Items.Single().Concept).Should().Be((1, "b"));

        await using (var setup = h.NewContext())
        {
            await setup.Users.Where(u => u.Id == id).ExecuteUpdateAsync(u => u.SetProperty(r => r.Timezone, "America/New_York"));
        }
        // The process still remembers UTC: the statement must notice the row's zone and count in it.
        var inNewYork = await h.WithStoreAsync(s => ((INextFetchPort)s.Memory).TakeNextAsync(id, 5, 60, T0, None));
        (inNewYork!.ReviewedToday, inNewYork.Items.Single().Concept).Should().Be((0, "b"));
        var again = await h.WithStoreAsync(s => ((INextFetchPort)s.Memory).TakeNextAsync(id, 5, 60, T0, None));
        again!.ReviewedToday.Should().Be(0);

        await using var db = h.NewContext();
        (await db.AnalyticsEvents.CountAsync(e => e.Kind == AnalyticsKinds.ReviewFetch && e.UserId == id)).Should().Be(3);
    }

    [Fact]
    public async Task On_postgres_a_user_the_store_does_not_know_gets_null_and_nothing_is_written()
    {
        await using var h = await V2StoreHarness.CreateAsync("postgres");
        var id = Guid.NewGuid();

        (await h.WithStoreAsync(s => ((INextFetchPort)s.Memory).TakeNextAsync(id, 5, 60, T0, None))).Should().BeNull();

        await using var db = h.NewContext();
        (await db.Users.CountAsync(u => u.Id == id)).Should().Be(0);
        (await db.AnalyticsEvents.CountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task On_postgres_it_joins_the_scopes_transaction()
    {
        await using var h = await V2StoreHarness.CreateAsync("postgres");
        var user = (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(Guid.NewGuid()), null, create: true, T0, None)))!;
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, Mistake("a"), T0, Rules, None));
        var now = T0 + Duration.FromHours(1);

        await h.WithStoreAsync(async s =>
        {
            await using var tx = await s.BeginAsync(None);
            (await ((INextFetchPort)s.Memory).TakeNextAsync(user.V2Id!.Value, 5, 60, now, None))!.Items.Should().HaveCount(1);
            return true; // disposed without a commit
        });
        await h.WithStoreAsync(async s =>
        {
            await using var tx = await s.BeginAsync(None);
            (await ((INextFetchPort)s.Memory).TakeNextAsync(user.V2Id!.Value, 5, 60, now, None))!.Items.Should().HaveCount(1);
            await tx.CommitAsync(None);
            return true;
        });

        await using var db = h.NewContext();
        (await db.AnalyticsEvents.CountAsync(e => e.Kind == AnalyticsKinds.ReviewFetch)).Should().Be(1);
    }

    [Fact]
    public async Task On_sqlite_it_declines_and_writes_nothing()
    {
        await using var h = await V2StoreHarness.CreateAsync("sqlite");
        var user = (await h.WithStoreAsync(s => s.Users.ResolveAsync(UserRef.V2(Guid.NewGuid()), null, create: true, T0, None)))!;
        await h.WithStoreAsync(s => s.Memory.LogMistakeAsync(user, Mistake("a"), T0, Rules, None));

        (await h.WithStoreAsync(s => ((INextFetchPort)s.Memory).TakeNextAsync(user.V2Id!.Value, 5, 60, T0 + Duration.FromHours(1), None))).Should().BeNull();

        await using var db = h.NewContext();
        (await db.AnalyticsEvents.CountAsync(e => e.Kind == AnalyticsKinds.ReviewFetch)).Should().Be(0);
    }

    private static MistakeEntry Mistake(string concept) =>
        new(MistakeOrigin.V2, concept, concept, null, null, LegacyMistakeClassifier.DefaultErrorType, null, "other", "{\"answer\":\"-2\"}", null);

    private static int Count(string payload) =>
        System.Text.Json.JsonDocument.Parse(payload).RootElement.GetProperty("count").GetInt32();
}
