using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;
using Teski.Infrastructure.Persistence;
using Teski.Testing;

namespace Teski.Infrastructure.Tests.Contract;

/// <summary>
/// The port contract every store honours, run against each of the four: legacy on SQLite and PostgreSQL, v2 on
/// SQLite and PostgreSQL. Each store gives the operations its own schema's meaning; what is asserted here is what
/// the use cases and the mirror rely on from any of them.
/// </summary>
public abstract class StoreContractTests(DatabaseProvider provider, StoreKind kind) : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private StoreHarness _h = null!;

    protected Instant Now => _h.Clock.GetCurrentInstant();

    public async Task InitializeAsync() => _h = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteLegacyPrimary);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<T> WithStore<T>(Func<IStore, Task<T>> work)
    {
        await using var scope = _h.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<IStoreRouter>().Get(kind));
    }

    private static MistakeEntry Entry(string concept, MistakeOrigin origin = MistakeOrigin.LegacyV1) =>
        new(origin, concept, concept, 3, null, "concept", "sign", "legacy:sign", """{"reason":"sign"}""", null);

    private static UserRef Person(long legacyId) => UserRef.Legacy(legacyId);

    [Fact]
    public async Task Resolving_with_create_is_idempotent_and_names_the_person_in_this_stores_terms()
    {
        var v2Person = UserRef.V2(Guid.Parse("5d3c8f7e-2b1a-4c9d-8e7f-6a5b4c3d2e1f"));

        var first = await WithStore(s => s.Users.ResolveAsync(v2Person, null, create: true, Now, None));
        var second = await WithStore(s => s.Users.ResolveAsync(v2Person, null, create: true, Now, None));

        first.Should().NotBeNull();
        second.Should().BeEquivalentTo(first);
        first!.V2Id.Should().Be(v2Person.V2Id);
        if (kind == StoreKind.Legacy)
        {
            first.LegacyId.Should().NotBeNull("the legacy store creates one legacy user row for a v2-only person");
        }
        (await WithStore(s => s.Users.ResolveAsync(UserRef.V2(Guid.NewGuid()), null, create: false, Now, None)))
            .Should().BeNull("an unknown UUID is nobody until created");
    }

    [Fact]
    public async Task A_mistake_schedules_the_concept_and_a_review_of_it_moves_it_into_the_future()
    {
        var user = await WithStore(s => s.Users.ResolveAsync(Person(7), null, true, Now, None));

        var logged = await WithStore(s => s.Memory.LogMistakeAsync(user!, Entry("frac-1"), Now, new V2RuleSettings(), None));
        _h.Clock.AdvanceMinutes(30);
        var reviewed = await WithStore(s => s.Memory.ReviewAsync(user!, ReviewTarget.ByConcept("frac-1"), 5, Now, new V2RuleSettings(), None));

        logged.Concept.Should().Be("frac-1");
        (kind == StoreKind.Legacy ? logged.LegacyId is > 0 : logged.MemoryId is not null).Should().BeTrue();
        reviewed.Should().NotBeNull();
        reviewed!.Concept.Should().Be("frac-1");
        reviewed.NextDueAt.Should().BeGreaterThan(Now);
        reviewed.IntervalDays.Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task Reviewing_a_concept_the_user_never_saw_finds_nothing()
    {
        var user = await WithStore(s => s.Users.ResolveAsync(Person(8), null, true, Now, None));

        var reviewed = await WithStore(s => s.Memory.ReviewAsync(user!, ReviewTarget.ByConcept("never-seen"), 4, Now, new V2RuleSettings(), None));

        reviewed.Should().BeNull();
    }

    [Fact]
    public async Task A_transaction_disposed_without_commit_leaves_nothing()
    {
        var user = await WithStore(s => s.Users.ResolveAsync(Person(9), null, true, Now, None));

        await WithStore(async s =>
        {
            await using var tx = await s.BeginAsync(None);
            await s.Memory.LogMistakeAsync(user!, Entry("rolled-back"), Now, new V2RuleSettings(), None);
            return 0;
        });

        var table = kind == StoreKind.Legacy ? "mistake_logs" : "mistake";
        (await _h.CountAsync(kind, table)).Should().Be(0);
    }

    [Fact]
    public async Task The_backlog_hands_out_only_each_streams_oldest_due_record_once()
    {
        await WithStore(async s =>
        {
            await using var tx = await s.BeginAsync(None);
            await s.Backlog.AddAsync(Guid.NewGuid(), "l:1", "MistakeFact", "{}", Now, None);
            await s.Backlog.AddAsync(Guid.NewGuid(), "l:1", "MistakeFact", "{}", Now, None);
            await s.Backlog.AddAsync(Guid.NewGuid(), "l:2", "MistakeFact", "{}", Now, None);
            await tx.CommitAsync(None);
            return 0;
        });

        var claimed = await WithStore(s => s.Backlog.ClaimDueAsync(10, Now, Duration.FromSeconds(30), null, None));
        var again = await WithStore(s => s.Backlog.ClaimDueAsync(10, Now, Duration.FromSeconds(30), null, None));

        claimed.Select(r => r.Stream).Should().BeEquivalentTo(["l:1", "l:2"]);
        claimed.Select(r => r.Seq).Should().BeInAscendingOrder("a batch is applied in seq order");
        again.Should().BeEmpty("claimed records are leased, and a stream's later record waits for its oldest");
        claimed.Single(r => r.Stream == "l:1").StreamHasMore.Should().BeTrue("l:1 holds a later record");
        if (provider == DatabaseProvider.Postgres)
        {
            // PostgreSQL's one-statement claim says so exactly; SQLite's always answers "maybe" (true).
            claimed.Single(r => r.Stream == "l:2").StreamHasMore.Should().BeFalse("l:2 holds nothing else");
        }

        await WithStore(async s =>
        {
            foreach (var r in claimed)
            {
                await s.Backlog.MarkAppliedAsync([r.Id], Now, None);
            }
            return 0;
        });
        var next = await WithStore(s => s.Backlog.ClaimDueAsync(10, Now, Duration.FromSeconds(30), null, None));
        next.Should().ContainSingle().Which.Stream.Should().Be("l:1");
        next[0].Attempts.Should().Be(1);
        next[0].NextAttemptAt.Should().Be(Now + Duration.FromSeconds(30), "the claim leases the record");
        next[0].StreamHasMore.Should().Be(provider != DatabaseProvider.Postgres, "l:1's last record");
        (await WithStore(s => s.Backlog.StatusAsync(Now, None))).Pending.Should().Be(1);
    }

    private static readonly string[] NamedClaimStreams = ["l:1", "l:2", "l:1", "l:3", "l:1"];

    [Fact]
    public async Task A_claim_of_named_streams_hands_out_only_their_heads_in_order()
    {
        await WithStore(async s =>
        {
            await using var tx = await s.BeginAsync(None);
            foreach (var stream in NamedClaimStreams)
            {
                await s.Backlog.AddAsync(Guid.NewGuid(), stream, "MistakeFact", "{}", Now, None);
            }
            await tx.CommitAsync(None);
            return 0;
        });
        var lease = Duration.FromSeconds(30);

        var claimed = await WithStore(s => s.Backlog.ClaimDueAsync(10, Now, lease, ["l:1", "l:2"], None));

        claimed.Select(r => r.Stream).Should().Equal(["l:1", "l:2"], "each named stream's oldest record, in seq order, and nothing of l:3");
        claimed.Should().OnlyContain(r => r.Attempts == 1 && r.NextAttemptAt == Now + lease);
        claimed[0].StreamHasMore.Should().BeTrue("l:1 holds two later records");
        if (provider == DatabaseProvider.Postgres)
        {
            claimed[1].StreamHasMore.Should().BeFalse("l:2 holds nothing else");
        }
        (await WithStore(s => s.Backlog.ClaimDueAsync(10, Now, lease, ["l:1", "l:2", "l:3"], None)))
            .Select(r => r.Stream).Should().Equal(["l:3"], "l:1's head is leased, and its later records wait for it");

        await WithStore(async s => { await s.Backlog.MarkAppliedAsync([claimed[0].Id], Now, None); return 0; });
        var second = await WithStore(s => s.Backlog.ClaimDueAsync(10, Now, lease, ["l:1"], None));
        second.Should().ContainSingle().Which.Seq.Should().BeGreaterThan(claimed[0].Seq);
        second[0].StreamHasMore.Should().BeTrue("l:1 still holds its last record");
        await WithStore(async s => { await s.Backlog.MarkAppliedAsync([second[0].Id], Now, None); return 0; });
        var last = await WithStore(s => s.Backlog.ClaimDueAsync(10, Now, lease, ["l:1"], None));
        last.Should().ContainSingle().Which.Seq.Should().BeGreaterThan(second[0].Seq);
        last[0].StreamHasMore.Should().Be(provider != DatabaseProvider.Postgres, "l:1's last record");
    }

    [Fact]
    public async Task A_refresh_of_the_statistics_lets_the_planner_see_the_pending_backlog()
    {
        await WithStore(async s =>
        {
            for (var i = 0; i < 20; i++)
            {
                await s.Backlog.AddAsync(Guid.CreateVersion7(), $"l:s{i % 5}", "MistakeFact", "{}", Now, None);
            }
            return 0;
        });
        if (provider == DatabaseProvider.Postgres)
        {
            (await _h.ScalarAsync(kind, StoreHarness.OutboxPendingShareSql)).Should().BeNull("the table has not been analyzed");
        }

        var refreshed = await WithStore(s => s.Backlog.RefreshStatisticsAsync(None));

        refreshed.Should().Be(provider == DatabaseProvider.Postgres, "SQLite has no statistics to refresh");
        if (provider == DatabaseProvider.Postgres)
        {
            (await _h.ScalarAsync(kind, StoreHarness.OutboxPendingShareSql)).Should().Be(1f, "every record sampled is pending");
        }
        (await WithStore(s => s.Backlog.StatusAsync(Now, None))).Pending.Should().Be(20, "a refresh changes no record");
    }

    [Fact]
    public async Task The_prune_deletes_records_applied_before_the_cutoff_oldest_first_and_never_a_pending_one()
    {
        var t0 = Now;
        var ids = Enumerable.Range(0, 4).Select(_ => Guid.CreateVersion7()).ToArray();
        await WithStore(async s =>
        {
            for (var i = 0; i < ids.Length; i++)
            {
                await s.Backlog.AddAsync(ids[i], $"l:p{i}", "MistakeFact", "{}", t0, None);
            }
            return 0;
        });
        // Applied at t0, t0 + 30 min and t0 + 2 h; the fourth stays pending, however old it gets.
        await WithStore(async s =>
        {
            await s.Backlog.MarkAppliedAsync([ids[1]], t0 + Duration.FromMinutes(30), None);
            await s.Backlog.MarkAppliedAsync([ids[0]], t0, None);
            await s.Backlog.MarkAppliedAsync([ids[2]], t0 + Duration.FromHours(2), None);
            return 0;
        });
        _h.Clock.Advance(Duration.FromDays(30));

        (await WithStore(s => s.Backlog.PruneAppliedAsync(t0 + Duration.FromHours(1), 1, None))).Should().Be(1, "max is honoured");
        (await WithStore(s => s.Backlog.PruneAppliedAsync(t0 + Duration.FromMinutes(1), 10, None)))
            .Should().Be(0, "the one pruned first was the oldest, applied at t0");
        (await WithStore(s => s.Backlog.PruneAppliedAsync(t0 + Duration.FromHours(1), 10, None))).Should().Be(1);
        (await WithStore(s => s.Backlog.PruneAppliedAsync(t0 + Duration.FromHours(1), 10, None))).Should().Be(0, "the record applied later is younger than the cutoff");
        (await _h.CountAsync(kind, "teski_mirror_backlog")).Should().Be(2);

        (await WithStore(s => s.Backlog.PruneAppliedAsync(Now, 10, None))).Should().Be(1);
        (await _h.CountAsync(kind, "teski_mirror_backlog")).Should().Be(1);
        var status = await WithStore(s => s.Backlog.StatusAsync(Now, None));
        status.Pending.Should().Be(1, "a pending record is never pruned");
        (await WithStore(s => s.Backlog.ClaimDueAsync(10, Now, Duration.FromSeconds(30), null, None)))
            .Should().ContainSingle().Which.Id.Should().Be(ids[3]);
    }

    [Fact]
    public async Task The_ledger_lists_its_old_entries_oldest_first_and_forgets_only_the_ones_asked()
    {
        var t0 = Now;
        var a = Guid.CreateVersion7();
        var b = Guid.CreateVersion7();
        var c = Guid.CreateVersion7();
        (await WithStore(s => s.Backlog.TryRecordAppliedAsync(b, t0 + Duration.FromMinutes(30), None))).Should().BeTrue();
        (await WithStore(s => s.Backlog.TryRecordAppliedAsync(a, t0, None))).Should().BeTrue();
        (await WithStore(s => s.Backlog.TryRecordAppliedAsync(c, t0 + Duration.FromHours(2), None))).Should().BeTrue();

        (await WithStore(s => s.Backlog.LedgerBeforeAsync(t0 + Duration.FromHours(1), 10, None))).Should().Equal(a, b);
        (await WithStore(s => s.Backlog.LedgerBeforeAsync(t0 + Duration.FromHours(1), 1, None))).Should().Equal(a);

        (await WithStore(s => s.Backlog.ForgetAppliedAsync([a], None))).Should().Be(1);
        (await WithStore(s => s.Backlog.ForgetAppliedAsync([a], None))).Should().Be(0, "already gone");
        (await WithStore(s => s.Backlog.LedgerBeforeAsync(Now + Duration.FromDays(1), 10, None))).Should().Equal(b, c);
        (await WithStore(s => s.Backlog.TryRecordAppliedAsync(b, Now, None))).Should().BeFalse("b was not asked to be forgotten");
        (await _h.CountAsync(kind, "teski_mirror_applied")).Should().Be(2);
    }

    [Fact]
    public async Task Pending_among_names_only_the_records_the_backlog_holds_unapplied()
    {
        var pending = Guid.CreateVersion7();
        var applied = Guid.CreateVersion7();
        await WithStore(async s =>
        {
            await s.Backlog.AddAsync(pending, "l:p1", "MistakeFact", "{}", Now, None);
            await s.Backlog.AddAsync(applied, "l:p2", "MistakeFact", "{}", Now, None);
            await s.Backlog.MarkAppliedAsync([applied], Now, None);
            return 0;
        });

        var found = await WithStore(s => s.Backlog.PendingAmongAsync([pending, applied, Guid.CreateVersion7()], None));

        found.Should().BeEquivalentTo([pending]);
    }

    [Fact]
    public async Task A_failed_record_comes_back_after_its_backoff()
    {
        await WithStore(async s =>
        {
            await s.Backlog.AddAsync(Guid.NewGuid(), "l:3", "MistakeFact", "{}", Now, None);
            return 0;
        });
        var claimed = (await WithStore(s => s.Backlog.ClaimDueAsync(10, Now, Duration.FromSeconds(30), null, None))).Single();

        await WithStore(async s =>
        {
            await s.Backlog.MarkFailedAsync(claimed.Id, "mirror down", Now + Duration.FromSeconds(4), None);
            return 0;
        });

        (await WithStore(s => s.Backlog.ClaimDueAsync(10, Now, Duration.FromSeconds(30), null, None))).Should().BeEmpty();
        _h.Clock.Advance(Duration.FromSeconds(5));
        var retried = await WithStore(s => s.Backlog.ClaimDueAsync(10, Now, Duration.FromSeconds(30), null, None));
        retried.Should().ContainSingle().Which.Attempts.Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task The_applied_ledger_admits_a_record_once()
    {
        var id = Guid.NewGuid();

        var first = await WithStore(s => s.Backlog.TryRecordAppliedAsync(id, Now, None));
        var second = await WithStore(s => s.Backlog.TryRecordAppliedAsync(id, Now, None));

        first.Should().BeTrue();
        second.Should().BeFalse();
    }

    [Fact]
    public async Task The_default_personas_are_served()
    {
        var personas = await WithStore(s => s.Personas.ListDefinitionsAsync(None));

        personas.Select(p => p.Code).Should().Contain(["mood_calm_v1", "mood_snark_v1", "mood_disappointed_v1", "mood_intervention_v1", "mood_done_v1"]);
    }
}

public sealed class LegacySqliteStoreContract() : StoreContractTests(DatabaseProvider.Sqlite, StoreKind.Legacy);

public sealed class LegacyPostgresStoreContract() : StoreContractTests(DatabaseProvider.Postgres, StoreKind.Legacy);

public sealed class V2SqliteStoreContract() : StoreContractTests(DatabaseProvider.Sqlite, StoreKind.V2);

public sealed class V2PostgresStoreContract() : StoreContractTests(DatabaseProvider.Postgres, StoreKind.V2);
