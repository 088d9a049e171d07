using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Memory.LogMistake;
using Teski.Infrastructure.Persistence;
using Teski.Testing;

namespace Teski.Application.Tests.DualWrite;

/// <summary>
/// The mirror applies a batch of reviews to the legacy store with a fixed number of statements
/// (<see cref="IReviewBatchPort"/>): the cards must end exactly as applying the same facts one at a time leaves them.
/// </summary>
public class MirrorReviewBatchTests
{
    private static readonly Guid[] People = Enumerable.Range(1, 5).Select(i => Guid.Parse($"5e1f0000-0000-4000-8000-00000000000{i}")).ToArray();
    private static readonly Guid Newcomer = Guid.Parse("5e1f0000-0000-4000-8000-0000000000ff");

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Reviews_mirrored_as_one_batch_leave_the_legacy_cards_as_one_at_a_time_does(DatabaseProvider provider)
    {
        await using var batched = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteV2Primary);
        await using var single = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteV2Primary);
        foreach (var h in new[] { batched, single })
        {
            // Each person gets two cards in the legacy store (mirrored inline: the harness runs no workers).
            foreach (var person in People)
            {
                await h.SendAsync(new LogMistakeCommand(UserRef.V2(person), "card-a", null, null, null, null));
                await h.SendAsync(new LogMistakeCommand(UserRef.V2(person), "card-b", null, null, null, null));
            }
            h.Clock.AdvanceMinutes(40);
        }
        var at = batched.Clock.GetCurrentInstant();
        int[] grades = [1, 3, 4, 5, 2];
        var facts = People.Select((p, i) => new ReviewFact(Identity(p), at + Duration.FromSeconds(i), i % 2 == 0 ? "card-a" : "card-b", grades[i]))
            // No card for this concept (nothing to update), and a person the legacy store has never seen (created, no card).
            .Append(new ReviewFact(Identity(People[0]), at, "no-such-card", 4))
            .Append(new ReviewFact(Identity(Newcomer), at, "card-a", 4))
            .ToList();
        var before = await CardsAsync(batched);

        // One batch: every fact is the head of its own stream, claimed and applied together. The two facts of
        // People[0] go to two streams here so that both are heads of one batch.
        await MirrorBatchTestSupport.EnqueueAsync(batched, facts.Select((f, i) => ((MirrorFact)f, i == People.Length ? "extra:" + f.Stream : f.Stream)), at);
        (await batched.DrainAsync()).Should().Be(facts.Count);
        await MirrorBatchTestSupport.ApplyOneAtATimeAsync(single, facts);

        var after = await CardsAsync(batched);
        after.Should().Equal(await CardsAsync(single));
        after.Except(before).Should().HaveCount(People.Length, "each person's reviewed card changed, and nothing else");
        (await batched.CountAsync(StoreKind.Legacy, "user", "external_user_id = @p0", Newcomer.ToString("D"))).Should().Be(1);
        (await batched.CountAsync(StoreKind.Legacy, "teski_mirror_applied")).Should().Be(facts.Count + 2 * People.Length);

        // A crash after the mirror committed but before the primary marked the records: claimed again, applied once.
        await batched.ScalarAsync(StoreKind.V2, "UPDATE teski_mirror_backlog SET applied_at = NULL");
        batched.Clock.AdvanceMinutes(1);
        (await batched.DrainAsync()).Should().Be(facts.Count + 2 * People.Length);
        (await CardsAsync(batched)).Should().Equal(after);
    }

    private static UserIdentity Identity(Guid v2Id) => new(null, v2Id, "Europe/Helsinki", true, null);

    /// <summary>Every legacy card with its owner's UUID, as comparable text.</summary>
    private static Task<List<string>> CardsAsync(StoreHarness h) => MirrorBatchTestSupport.LegacyRowsAsync(h, ("", """
        SELECT u.external_user_id, c.template_code, c.easiness, c.stability, c.last_interval_days, c.next_review_at, c.status, c.last_result, c.updated_at
        FROM review_cards c JOIN "user" u ON u.id = c.user_id ORDER BY u.external_user_id, c.template_code
        """));
}
