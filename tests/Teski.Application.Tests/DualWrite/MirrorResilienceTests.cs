using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Memory.LogLegacyMistake;
using Teski.Application.Memory.LogMistake;
using Teski.Infrastructure.Persistence;
using Teski.Testing;

namespace Teski.Application.Tests.DualWrite;

/// <summary>The mirror is slow, down, or the process dies between commit and mirror: nothing is lost, nothing doubles.</summary>
public class MirrorResilienceTests
{
    private static readonly UserRef Alice = UserRef.Legacy(21);
    private static readonly UserRef Bob = UserRef.Legacy(22);

    [Fact]
    public async Task Requests_succeed_while_the_v2_mirror_is_down_and_the_backlog_drains_in_order_when_it_returns()
    {
        await using var h = await StoreHarness.CreateAsync(DatabaseProvider.Sqlite, RolloutStage.DualWriteLegacyPrimary);
        var v2File = h.V2Url.SqlitePath!;
        var parked = v2File + ".away";

        // The mirror store disappears: its file moves away (an empty file takes its place, with no tables).
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Move(v2File, parked);
        for (var i = 0; i < 3; i++)
        {
            await h.SendAsync(new LogLegacyMistakeCommand(Alice, null, $"t-{i}", null, "recall", null, "{}", V1: true));
            await h.SendAsync(new LogLegacyMistakeCommand(Bob, null, $"t-{i}", null, "recall", null, "{}", V1: true));
            h.Clock.AdvanceSeconds(1);
        }

        (await h.CountAsync(StoreKind.Legacy, "mistake_logs")).Should().Be(6);
        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(6);
        h.Metrics.FailedAttempts.Should().BeGreaterThan(0);

        // The store comes back; the background pass (after the backoff) applies everything, once.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(v2File);
        File.Move(parked, v2File);
        h.Clock.Advance(Duration.FromMinutes(10));
        await h.DrainAsync();

        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(0);
        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(6);
        (await h.CountAsync(StoreKind.V2, "memoryitem")).Should().Be(6);
        (await h.CountAsync(StoreKind.V2, "teski_mirror_applied")).Should().Be(6);
        // Draining again changes nothing.
        await h.DrainAsync();
        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(6);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_record_whose_mirror_commit_happened_before_a_crash_is_not_applied_twice(DatabaseProvider provider)
    {
        await using var h = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteV2Primary);
        var user = UserRef.V2(Guid.NewGuid());
        await h.SendAsync(new LogMistakeCommand(user, "vectors", null, null, null, null));
        (await h.CountAsync(StoreKind.Legacy, "mistake_logs")).Should().Be(1);

        // Simulate the crash window: the mirror committed, but the primary never marked the record applied.
        await h.ScalarAsync(StoreKind.V2, "UPDATE teski_mirror_backlog SET applied_at = NULL");
        h.Clock.Advance(Duration.FromMinutes(1));
        var applied = await h.DrainAsync();

        applied.Should().Be(1, "the record is settled on restart");
        (await h.CountAsync(StoreKind.Legacy, "mistake_logs")).Should().Be(1, "the mirror's ledger recognised the record");
        (await h.CountAsync(StoreKind.V2, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(0);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_periodic_pass_leaves_a_fresh_record_to_its_worker_and_takes_it_once_it_has_settled(DatabaseProvider provider)
    {
        await using var h = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteLegacyPrimary);
        var fact = new MistakeFact(new UserIdentity(41, null, "UTC", true, null), h.Clock.GetCurrentInstant(),
            new Memory.MistakeEntry(Memory.MistakeOrigin.Legacy, "skill:5", null, 5, null, "other", null, "legacy:other", "{}", null));
        await MirrorBatchTestSupport.EnqueueAsync(h, [(fact, fact.Stream)], h.Clock.GetCurrentInstant());
        var dispatcher = h.Services.GetRequiredService<MirrorDispatcher>();
        var settle = MirrorBackgroundService.SweepSettle;

        h.Clock.Advance(settle - Duration.FromMilliseconds(1));
        (await dispatcher.DrainAsync(streams: null, 500, CancellationToken.None, settle)).Should().Be(0, "the record is due, but not for the settle time yet");
        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL AND attempts = 0")).Should().Be(1, "not even claimed");

        h.Clock.Advance(Duration.FromMilliseconds(1));
        (await dispatcher.DrainAsync(streams: null, 500, CancellationToken.None, settle)).Should().Be(1);
        (await h.CountAsync(StoreKind.V2, "mistake", "concept = 'skill:5'")).Should().Be(1);
        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(0);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_record_left_behind_by_a_crash_before_the_mirror_is_applied_exactly_once_on_restart(DatabaseProvider provider)
    {
        await using var h = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteLegacyPrimary);
        // A backlog record written in the primary's transaction, but the process died before mirroring it.
        var fact = new MistakeFact(new UserIdentity(31, null, "Europe/Helsinki", true, null), h.Clock.GetCurrentInstant(),
            new Memory.MistakeEntry(Memory.MistakeOrigin.Legacy, "skill:4", null, 4, null, "other", null, "legacy:other", "{}", null));
        await MirrorBatchTestSupport.EnqueueAsync(h, [(fact, fact.Stream)], h.Clock.GetCurrentInstant());

        // "Restart": a fresh service provider over the same stores runs the dispatcher, twice.
        var restarted = h.WithStage(RolloutStage.DualWriteLegacyPrimary);
        try
        {
            (await restarted.DrainAsync()).Should().Be(1);
            (await restarted.DrainAsync()).Should().Be(0);
        }
        finally
        {
            await restarted.Services.DisposeAsync();
        }

        (await h.CountAsync(StoreKind.V2, "mistake", "concept = 'skill:4'")).Should().Be(1);
        (await h.CountAsync(StoreKind.V2, "legacy_user_map", "legacy_user_id = 31")).Should().Be(1);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, false)]
    [InlineData(DatabaseProvider.Postgres, false)]
    [InlineData(DatabaseProvider.Sqlite, true)]
    [InlineData(DatabaseProvider.Postgres, true)]
    public async Task Two_dispatchers_draining_the_same_backlog_apply_each_record_once(DatabaseProvider provider, bool namedStreams)
    {
        await using var h = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteLegacyPrimary);
        var facts = Enumerable.Range(0, 40).Select(i => new MistakeFact(
            new UserIdentity(100 + (i % 5), null, "Europe/Helsinki", true, null), h.Clock.GetCurrentInstant(),
            new Memory.MistakeEntry(Memory.MistakeOrigin.Legacy, $"c-{i}", $"c-{i}", null, null, "other", null, "legacy:other", "{}", null)));
        await MirrorBatchTestSupport.EnqueueAsync(h, facts.Select(f => ((MirrorFact)f, f.Stream)), h.Clock.GetCurrentInstant());
        var other = h.WithStage(RolloutStage.DualWriteLegacyPrimary);
        try
        {
            // Named: both claim the same five streams, as two workers signalled for them would (the claim of named streams
            // is its own statement on PostgreSQL).
            var streams = namedStreams ? facts.Select(f => f.Stream).Distinct().ToList() : null;
            var both = await Task.WhenAll(Drain(h, streams), Drain(other, streams));
            both.Sum().Should().Be(40);
        }
        finally
        {
            await other.Services.DisposeAsync();
        }
        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(40);
        (await h.CountAsync(StoreKind.V2, "teski_mirror_applied")).Should().Be(40);

        static async Task<int> Drain(StoreHarness x, IReadOnlyCollection<string>? streams)
        {
            var total = 0;
            for (var round = 0; round < 100; round++)
            {
                var n = await x.DrainAsync(streams);
                total += n;
                if (n == 0 && await x.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL") == 0)
                {
                    break;
                }
            }
            return total;
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_record_that_fails_in_a_batch_backs_off_alone_and_the_others_are_applied(DatabaseProvider provider)
    {
        await using var h = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteLegacyPrimary);
        var poison = Guid.NewGuid();
        await using (var scope = h.Services.CreateAsyncScope())
        {
            var primary = scope.ServiceProvider.GetRequiredService<IStoreRouter>().Primary;
            await using var tx = await primary.BeginAsync(CancellationToken.None);
            for (var i = 0; i < 6; i++)
            {
                var fact = new MistakeFact(new UserIdentity(300 + i, null, "Europe/Helsinki", true, null), h.Clock.GetCurrentInstant(),
                    new Memory.MistakeEntry(Memory.MistakeOrigin.Legacy, $"b-{i}", $"b-{i}", null, null, "other", null, "legacy:other", "{}", null));
                await primary.Backlog.AddAsync(Guid.NewGuid(), fact.Stream, fact.Kind, fact.Serialize(), h.Clock.GetCurrentInstant(), CancellationToken.None);
                if (i == 2)
                {
                    // A head no build of the service can read, claimed in the same batch as the others.
                    await primary.Backlog.AddAsync(poison, "l:399", "MistakeFact", "{\"fact\":\"unknown\"}", h.Clock.GetCurrentInstant(), CancellationToken.None);
                }
            }
            await tx.CommitAsync(CancellationToken.None);
        }

        (await h.DrainAsync()).Should().Be(6, "the batch fails as a whole, then each record gets its own attempt");

        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(6);
        (await h.CountAsync(StoreKind.V2, "teski_mirror_applied")).Should().Be(6);
        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(1);
        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL AND attempts = 1 AND last_error IS NOT NULL")).Should().Be(1,
            "the unreadable record backs off on its own");
        (await h.DrainAsync()).Should().Be(0, "it is not due again before its backoff");
    }

    [Fact]
    public async Task Records_left_from_dual_write_still_reach_the_other_store_after_dual_write_is_turned_off()
    {
        await using var h = await StoreHarness.CreateAsync(DatabaseProvider.Sqlite, RolloutStage.DualWriteLegacyPrimary);
        var v2File = h.V2Url.SqlitePath!;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Move(v2File, v2File + ".away");
        await h.SendAsync(new LogLegacyMistakeCommand(Alice, null, "left-over", null, "recall", null, "{}", V1: true));
        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(1);

        // The operator turns dual-write off (rollback to legacy only) while a record is still waiting.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(v2File);
        File.Move(v2File + ".away", v2File);
        var legacyOnly = h.WithStage(RolloutStage.LegacyOnly);
        try
        {
            h.Clock.Advance(Duration.FromMinutes(10));
            (await legacyOnly.DrainAsync()).Should().Be(1);
        }
        finally
        {
            await legacyOnly.Services.DisposeAsync();
        }

        (await h.CountAsync(StoreKind.V2, "mistake", "concept = 'left-over'")).Should().Be(1);
        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(0);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task With_the_background_workers_running_writes_are_mirrored_by_them_without_a_drain_call(DatabaseProvider provider)
    {
        await using var h = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteLegacyPrimary);
        var worker = h.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<MirrorBackgroundService>().Single();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // ExecuteAsync runs on the thread pool (.NET 10 BackgroundService): the workers listen shortly after StartAsync.
            var wakeup = h.Services.GetRequiredService<MirrorWakeup>();
            for (var i = 0; i < 100 && !wakeup.HasListener; i++)
            {
                await Task.Delay(50);
            }
            wakeup.HasListener.Should().BeTrue();
            for (var i = 0; i < 5; i++)
            {
                await h.SendAsync(new LogLegacyMistakeCommand(Alice, null, $"bg-{i}", null, "recall", null, "{}", V1: true));
            }
            (await h.CountAsync(StoreKind.Legacy, "mistake_logs")).Should().Be(5, "the writes are acknowledged on the primary");

            // No drain call here: the workers the requests signalled apply the records.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL") > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(0);
            (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(5);
            (await h.CountAsync(StoreKind.V2, "teski_mirror_applied")).Should().Be(5);
            h.Metrics.FailedAttempts.Should().Be(0);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
        h.Services.GetRequiredService<MirrorWakeup>().HasListener.Should().BeFalse("a stopped service takes no signals; writes mirror inline again");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_background_service_prunes_both_stores_applied_history_past_the_retention_and_keeps_the_rest(DatabaseProvider provider)
    {
        await using var h = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteLegacyPrimary);
        for (var i = 0; i < 3; i++)
        {
            await h.SendAsync(new LogLegacyMistakeCommand(Alice, null, $"old-{i}", null, "recall", null, "{}", V1: true));
        }
        // A record left in the mirror store's own backlog by a stage where it was primary, applied as long ago.
        await using (var scope = h.Services.CreateAsyncScope())
        {
            var v2 = scope.ServiceProvider.GetRequiredService<IStoreRouter>().Get(StoreKind.V2).Backlog;
            var id = Guid.CreateVersion7();
            await v2.AddAsync(id, "v:left-over", "MistakeFact", "{}", h.Clock.GetCurrentInstant(), CancellationToken.None);
            await v2.MarkAppliedAsync([id], h.Clock.GetCurrentInstant(), CancellationToken.None);
        }
        // A record still pending in the primary's backlog that the mirror's ledger already holds (applied, then its
        // mark failed): its entry must survive the ledger's prune, however old.
        var unmarked = Guid.CreateVersion7();
        await using (var scope = h.Services.CreateAsyncScope())
        {
            var router = scope.ServiceProvider.GetRequiredService<IStoreRouter>();
            await router.Get(StoreKind.Legacy).Backlog.AddAsync(unmarked, "l:unmarked", "MistakeFact", "{}", h.Clock.GetCurrentInstant(), CancellationToken.None);
            (await router.Get(StoreKind.V2).Backlog.TryRecordAppliedAsync(unmarked, h.Clock.GetCurrentInstant(), CancellationToken.None)).Should().BeTrue();
        }
        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NOT NULL")).Should().Be(3, "mirrored inline: no listener yet");
        h.Metrics.BehindInlineCount.Should().Be(0, "without a listener, mirroring inline is the plan, not backpressure");

        h.Clock.Advance(MirrorRetention.DefaultKeep + Duration.FromMinutes(1));
        await h.SendAsync(new LogLegacyMistakeCommand(Alice, null, "fresh", null, "recall", null, "{}", V1: true));
        var worker = h.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<MirrorBackgroundService>().Single();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // The periodic pass prunes on its first round, then once per MirrorRetention.Interval.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while ((await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog") > 2 || await h.CountAsync(StoreKind.V2, "teski_mirror_backlog") > 0
                    || await h.CountAsync(StoreKind.V2, "teski_mirror_applied") > 2)
                && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog")).Should().Be(2, "the record applied within the retention and the unmarked one stay");
        (await h.CountAsync(StoreKind.V2, "teski_mirror_backlog")).Should().Be(0, "the mirror store's backlog is pruned too");
        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(4, "pruning the outbox removes no mirrored row");
        (await h.CountAsync(StoreKind.V2, "teski_mirror_applied")).Should().Be(2, "the old entries of records no longer pending are pruned");
        await using (var scope = h.Services.CreateAsyncScope())
        {
            var v2 = scope.ServiceProvider.GetRequiredService<IStoreRouter>().Get(StoreKind.V2).Backlog;
            (await v2.TryRecordAppliedAsync(unmarked, h.Clock.GetCurrentInstant(), CancellationToken.None))
                .Should().BeFalse("the entry of a record still pending in the primary's backlog is kept, however old");
        }
    }

    [Fact]
    public async Task The_periodic_pass_refreshes_the_planner_statistics_of_a_backlog_grown_far_past_them()
    {
        await using var h = await StoreHarness.CreateAsync(DatabaseProvider.Postgres, RolloutStage.DualWriteV2Primary);
        // As an outage of the mirror leaves it: far more pending records than the table's statistics have seen (none
        // yet), with autovacuum kept out of it. None is due, so the pass only observes them.
        await h.ScalarAsync(StoreKind.V2, "ALTER TABLE teski_mirror_backlog SET (autovacuum_enabled = false)");
        var now = h.Clock.GetCurrentInstant();
        await h.ScalarAsync(StoreKind.V2,
            "INSERT INTO teski_mirror_backlog (id, stream, kind, payload, created_at, attempts, next_attempt_at) " +
            "SELECT gen_random_uuid(), 'u:' || (g % 1000), 'MistakeFact', '{}', @p0, 0, @p1 FROM generate_series(1, @p2) AS g",
            now.ToDateTimeUtc(), (now + Duration.FromDays(1)).ToDateTimeUtc(), (int)BacklogStatisticsPolicy.Floor);
        (await h.ScalarAsync(StoreKind.V2, StoreHarness.OutboxPendingShareSql)).Should().BeNull("the table has not been analyzed");

        var worker = h.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<MirrorBackgroundService>().Single();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (await h.ScalarAsync(StoreKind.V2, StoreHarness.OutboxPendingShareSql) is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
        (await h.ScalarAsync(StoreKind.V2, StoreHarness.OutboxPendingShareSql)).Should().Be(1f, "ANALYZE saw a table of pending records only");
        (await h.CountAsync(StoreKind.V2, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(BacklogStatisticsPolicy.Floor);
    }

    [Fact]
    public async Task A_refresh_the_database_skips_for_want_of_ownership_is_reported_as_a_failure_not_as_done()
    {
        await using var h = await StoreHarness.CreateAsync(DatabaseProvider.Postgres, RolloutStage.DualWriteV2Primary);
        var role = "teski_not_owner_" + Guid.NewGuid().ToString("N")[..8];
        await h.ScalarAsync(StoreKind.V2, $"CREATE ROLE {role} LOGIN");
        await h.ScalarAsync(StoreKind.V2, $"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}");
        await using var other = h.AsRole(role, RolloutStage.DualWriteV2Primary);
        await using var scope = other.Services.CreateAsyncScope();
        var backlog = scope.ServiceProvider.GetRequiredService<IStoreRouter>().Get(StoreKind.V2).Backlog;
        (await backlog.StatusAsync(h.Clock.GetCurrentInstant(), CancellationToken.None)).Pending.Should().Be(0, "the role can read the outbox");

        var refresh = () => backlog.RefreshStatisticsAsync(CancellationToken.None);

        (await refresh.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("did not analyze teski_mirror_backlog");
        (await h.ScalarAsync(StoreKind.V2, StoreHarness.OutboxPendingShareSql)).Should().BeNull("PostgreSQL skipped the table");
    }

    [Fact]
    public async Task With_a_listening_background_service_a_write_answers_without_applying_its_mirror_copy_inline()
    {
        await using var h = await StoreHarness.CreateAsync(DatabaseProvider.Sqlite, RolloutStage.DualWriteLegacyPrimary);
        var wakeup = h.Services.GetRequiredService<MirrorWakeup>();
        using (wakeup.Listen())
        {
            await h.SendAsync(new LogLegacyMistakeCommand(Alice, null, "signalled", null, "recall", null, "{}", V1: true));

            (await h.CountAsync(StoreKind.Legacy, "mistake_logs")).Should().Be(1);
            (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(1, "the record waits for the workers");
            (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(0, "the request did not apply the mirror copy itself");
            wakeup.Signals.TryRead(out var stream).Should().BeTrue();
            stream.Should().Be("l:21");
        }
        (await h.DrainAsync()).Should().Be(1);
        (await h.CountAsync(StoreKind.V2, "mistake", "concept = 'signalled'")).Should().Be(1);
    }

    [Fact]
    public async Task When_the_background_workers_fall_behind_writes_apply_their_mirror_copy_inline_again()
    {
        await using var h = await StoreHarness.CreateAsync(DatabaseProvider.Sqlite, RolloutStage.DualWriteLegacyPrimary);
        var wakeup = h.Services.GetRequiredService<MirrorWakeup>();
        const int writes = MirrorWakeup.InlineAbove + 8;
        using (wakeup.Listen())
        {
            // A listener that takes no signal: the queue fills up as under a load the workers cannot follow.
            for (var i = 0; i < writes; i++)
            {
                await h.SendAsync(new LogLegacyMistakeCommand(UserRef.Legacy(1000 + i), null, $"bp-{i}", null, "recall", null, "{}", V1: true));
            }
        }
        var signalled = MirrorWakeup.InlineAbove + 1;
        (await h.CountAsync(StoreKind.Legacy, "teski_mirror_backlog", "applied_at IS NULL")).Should().Be(signalled, "only the writes made while the workers kept up were left to them");
        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(writes - signalled, "the rest mirrored inline");
        wakeup.Signals.Count.Should().Be(signalled);
        h.Metrics.BehindInlineCount.Should().Be(writes - signalled, "teski_mirror_inline_total counts the backpressure regime's writes");
    }
}
