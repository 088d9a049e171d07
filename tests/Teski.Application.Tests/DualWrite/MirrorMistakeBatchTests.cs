using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;
using Teski.Application.Memory.LogMistake;
using Teski.Infrastructure.Persistence;
using Teski.Testing;

namespace Teski.Application.Tests.DualWrite;

/// <summary>
/// The mirror applies a batch of mistakes to the legacy store with a fixed number of statements
/// (<see cref="IMistakeBatchPort"/>): the mistake logs, stats rows, cards and row links must end exactly as applying
/// the same facts one at a time leaves them.
/// </summary>
public class MirrorMistakeBatchTests
{
    private static readonly Guid[] People = Enumerable.Range(1, 4).Select(i => Guid.Parse($"5e2f0000-0000-4000-8000-00000000000{i}")).ToArray();
    private static readonly Guid Newcomer = Guid.Parse("5e2f0000-0000-4000-8000-0000000000ff");

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Mistakes_mirrored_as_one_batch_leave_the_legacy_rows_as_one_at_a_time_does(DatabaseProvider provider)
    {
        await using var batched = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteV2Primary);
        await using var single = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteV2Primary);
        await using var direct = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteV2Primary);
        foreach (var h in new[] { batched, single, direct })
        {
            // Each person has a card and a stats row in the legacy store (mirrored inline: the harness runs no workers).
            foreach (var person in People)
            {
                await h.SendAsync(new LogMistakeCommand(UserRef.V2(person), "card-a", null, null, null, null));
            }
            h.Clock.AdvanceMinutes(40);
        }
        var at = batched.Clock.GetCurrentInstant();
        var facts = new List<MistakeFact>
        {
            // An existing card rescheduled, an existing stats row (no skill) counted.
            Fact(People[0], at, MistakeOrigin.V2, "card-a", skill: null),
            // A new card and a new stats row (skill 7).
            Fact(People[1], at + Duration.FromSeconds(1), MistakeOrigin.V2, "card-new", skill: 7),
            // /log/v1 from a legacy-shaped client: schedules the card too.
            Fact(People[2], at + Duration.FromSeconds(2), MistakeOrigin.LegacyV1, "card-a", skill: 7),
            // The plain legacy log: no card; a plain-text detail is stored as {"raw": …}.
            Fact(People[3], at + Duration.FromSeconds(3), MistakeOrigin.Legacy, "card-b", skill: null, detail: "sign slip in step 2"),
            // A person the legacy store has never seen: created.
            Fact(Newcomer, at + Duration.FromSeconds(4), MistakeOrigin.V2, "card-a", skill: 3),
            // Two mistakes of one person in one batch: the second sees the card and the stats row the first created.
            Fact(People[0], at + Duration.FromSeconds(5), MistakeOrigin.V2, "card-new", skill: 9),
            Fact(People[0], at + Duration.FromSeconds(6), MistakeOrigin.V2, "card-new", skill: 9),
        };
        var before = await SnapshotAsync(batched);

        // One batch: every fact is the head of its own stream, claimed and applied together. People[0]'s facts go to
        // three streams here so that all three are heads of one batch.
        await MirrorBatchTestSupport.EnqueueAsync(batched, facts.Select((f, i) => ((MirrorFact)f, f.User.V2Id == People[0] && i > 0 ? $"extra{i}:" + f.Stream : f.Stream)), at);
        (await batched.DrainAsync()).Should().Be(facts.Count);
        await MirrorBatchTestSupport.ApplyOneAtATimeAsync(single, facts);

        // The batch port called directly: the dispatcher would retry a failing batch one record at a time, which would
        // hide a batch that throws.
        await using (var scope = direct.Services.CreateAsyncScope())
        {
            var legacy = scope.ServiceProvider.GetRequiredService<IStoreRouter>().Get(StoreKind.Legacy);
            await using var tx = await legacy.BeginAsync(CancellationToken.None);
            var people = await ((IMistakeBatchPort)legacy.Memory).ApplyMistakesAsync(
                facts.Select(f => new MirroredMistake(f.User, f.Entry, f.At)).ToList(), CancellationToken.None);
            await tx.CommitAsync(CancellationToken.None);
            people.Select(p => p.V2Id).Should().Equal(facts.Select(f => f.User.V2Id));
            people.Should().OnlyContain(p => p.LegacyId != null);
        }

        var after = await SnapshotAsync(batched);
        after.Should().Equal(await SnapshotAsync(single));
        (await SnapshotAsync(direct)).Should().Equal(after);
        after.Except(before).Count(r => r.StartsWith("mistake ", StringComparison.Ordinal)).Should().Be(facts.Count);
        after.Except(before).Count(r => r.StartsWith("link ", StringComparison.Ordinal)).Should().Be(facts.Count);
        after.Should().Contain(r => r.StartsWith("card " + People[0].ToString("D") + " | card-new", StringComparison.Ordinal));
        after.Should().NotContain(r => r.StartsWith("card " + People[3].ToString("D") + " | card-b", StringComparison.Ordinal));
        after.Should().Contain(r => r.Contains("{\"raw\":\"sign slip in step 2\"}", StringComparison.Ordinal));
        (await batched.CountAsync(StoreKind.Legacy, "user", "external_user_id = @p0", Newcomer.ToString("D"))).Should().Be(1);
        foreach (var fact in facts)
        {
            // Each legacy copy links to its v2 mistake, so the backfill does not copy it again.
            var v2Id = provider == DatabaseProvider.Postgres ? (object)fact.Entry.V2MistakeId!.Value : fact.Entry.V2MistakeId!.Value.ToString("N");
            (await batched.CountAsync(StoreKind.Legacy, "legacy_row_link", "entity = 'mistake_logs' AND v2_id = @p0", v2Id)).Should().Be(1);
        }

        // A crash after the mirror committed but before the primary marked the records: claimed again, applied once.
        await batched.ScalarAsync(StoreKind.V2, "UPDATE teski_mirror_backlog SET applied_at = NULL");
        batched.Clock.AdvanceMinutes(1);
        (await batched.DrainAsync()).Should().Be(facts.Count + People.Length);
        (await SnapshotAsync(batched)).Should().Equal(after);
    }

    private static MistakeFact Fact(Guid person, Instant at, MistakeOrigin origin, string concept, long? skill, string detail = "{\"reason\":\"unit\"}") =>
        new(new UserIdentity(null, person, "Europe/Helsinki", true, null), at, new MistakeEntry(
            origin, concept, concept, skill, InstanceId: null, ErrorType: "concept",
            ErrorSubtype: origin == MistakeOrigin.Legacy ? null : "unit", Subtype: "unit", DetailJson: detail, TaskId: null,
            V2MistakeId: Guid.NewGuid()));

    /// <summary>
    /// Every legacy mistake log, stats row, card and mistake row link with its owner's UUID, as comparable text (a link
    /// without its v2 id: the setup's mistakes have other ids in each harness).
    /// </summary>
    private static Task<List<string>> SnapshotAsync(StoreHarness h) => MirrorBatchTestSupport.LegacyRowsAsync(h,
        ("mistake", """
            SELECT u.external_user_id, m.template_code, m.skill_id, m.instance_id, m.error_type, m.error_subtype, m.detail, m.weight, m.occurred_at, m.resolved_at
            FROM mistake_logs m JOIN "user" u ON u.id = m.user_id ORDER BY u.external_user_id, m.occurred_at, m.id
            """),
        ("stats", """
            SELECT u.external_user_id, s.skill_id, s.mistake_count, s.last_missed_at, s.last_mastered_at, s.stability
            FROM memory_stats s JOIN "user" u ON u.id = s.user_id ORDER BY u.external_user_id, s.skill_id
            """),
        ("card", """
            SELECT u.external_user_id, c.template_code, c.skill_id, c.easiness, c.stability, c.last_interval_days, c.next_review_at, c.status, c.last_result, c.updated_at
            FROM review_cards c JOIN "user" u ON u.id = c.user_id ORDER BY u.external_user_id, c.template_code
            """),
        ("link", """
            SELECT u.external_user_id, m.template_code, m.occurred_at
            FROM legacy_row_link l JOIN mistake_logs m ON CAST(m.id AS TEXT) = l.legacy_id JOIN "user" u ON u.id = m.user_id
            WHERE l.entity = 'mistake_logs' ORDER BY u.external_user_id, m.occurred_at
            """));
}
