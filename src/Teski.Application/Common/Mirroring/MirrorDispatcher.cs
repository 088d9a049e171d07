using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;

namespace Teski.Application.Common.Mirroring;

/// <summary>
/// Applies backlog records to the mirror store: right after a write commits (its own stream only) and from the
/// background loop (every stream). Exactly once: the mirror records the record id in the same transaction as the
/// write (<see cref="IMirrorBacklog.TryRecordAppliedAsync"/>), so a retry, a crash between the mirror commit and
/// the backlog update, or a second instance never applies it twice. In order per user: only a stream's oldest
/// record is ever claimed.
/// </summary>
public sealed class MirrorDispatcher(
    IServiceScopeFactory scopes,
    IClock clock,
    IMirrorMetrics metrics,
    ILogger<MirrorDispatcher> logger)
{
    public static readonly Duration Lease = Duration.FromSeconds(30);

    /// <summary>Applies due records (all streams, or one); returns how many were applied. Never throws for a mirror failure.</summary>
    public async Task<int> DrainAsync(string? stream, int max, CancellationToken ct)
    {
        var applied = 0;
        while (applied < max && !ct.IsCancellationRequested)
        {
            IReadOnlyList<MirrorRecord> batch;
            await using (var claimScope = scopes.CreateAsyncScope())
            {
                var router = claimScope.ServiceProvider.GetRequiredService<IStoreRouter>();
                batch = await router.Primary.Backlog.ClaimDueAsync(Math.Min(64, max - applied), clock.GetCurrentInstant(), Lease, stream, ct);
            }
            if (batch.Count == 0)
            {
                break;
            }
            var progressed = false;
            foreach (var record in batch)
            {
                if (await ApplyOneAsync(record, ct))
                {
                    applied++;
                    progressed = true;
                }
            }
            if (!progressed)
            {
                break;
            }
        }
        return applied;
    }

    private async Task<bool> ApplyOneAsync(MirrorRecord record, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var router = sp.GetRequiredService<IStoreRouter>();
        var mirror = Target(router);
        var rules = sp.GetRequiredService<V2RuleSettingsAccessor>();
        try
        {
            var fact = MirrorFact.Deserialize(record.Payload);
            UserIdentity? mirrored = null;
            await using (var tx = await mirror.BeginAsync(ct))
            {
                if (await mirror.Backlog.TryRecordAppliedAsync(record.Id, clock.GetCurrentInstant(), ct))
                {
                    mirrored = await fact.ApplyAsync(mirror, rules, ct);
                }
                await tx.CommitAsync(ct);
            }
            // Identity travels back: a person first created on the legacy side by the mirror gets their map row in v2.
            // A fact whose identity already carries that legacy id was written by a v2 user who is linked: nothing to record.
            if (mirrored is not null && router.Flags.Primary == StoreKind.V2 && mirrored.LegacyId is { } legacyId && fact.User.V2Id is { } v2Id
                && (fact.User.LegacyId != legacyId || mirrored.Profile is not null))
            {
                await router.Primary.Users.LinkAsync(legacyId, v2Id, mirrored.Profile, ct);
            }
            await router.Primary.Backlog.MarkAppliedAsync(record.Id, clock.GetCurrentInstant(), ct);
            metrics.Applied();
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The caller's budget ran out mid-apply: hand the record back now instead of leaving it leased for
            // the whole lease; the background pass picks it up (the mirror's ledger keeps it exactly-once).
            await HandBackAsync(record, "deferred: the request's mirror budget ran out", clock.GetCurrentInstant());
            throw;
        }
        catch (Exception ex)
        {
            metrics.FailedAttempt();
            var delay = Backoff(record.Attempts);
            logger.LogWarning(ex, "Mirror of {Kind} record {RecordId} (stream {Stream}, attempt {Attempt}) failed; retrying in {Delay}",
                record.Kind, record.Id, record.Stream, record.Attempts, delay);
            await HandBackAsync(record, Truncate(ex.Message), clock.GetCurrentInstant() + delay);
            return false;
        }
    }

    /// <summary>
    /// Where the primary's backlog goes: the mirror, or — in a stage without one, for records left from a dual-write
    /// stage before the flags changed — the other store, so nothing written while dual-write was on is lost.
    /// </summary>
    public static IStore Target(IStoreRouter router) =>
        router.Mirror ?? router.Get(router.Flags.Primary == StoreKind.Legacy ? StoreKind.V2 : StoreKind.Legacy);

    /// <summary>Returns a claimed record to the backlog, due again at <paramref name="nextAttemptAt"/>.</summary>
    private async Task HandBackAsync(MirrorRecord record, string reason, Instant nextAttemptAt)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var primary = scope.ServiceProvider.GetRequiredService<IStoreRouter>().Primary;
            await primary.Backlog.MarkFailedAsync(record.Id, reason, nextAttemptAt, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The lease expires on its own; the record comes back then.
            logger.LogWarning(ex, "Could not hand mirror record {RecordId} back; its lease expires on its own", record.Id);
        }
    }

    /// <summary>Exponential backoff: 1 s, 2 s, 4 s … capped at 5 minutes.</summary>
    public static Duration Backoff(int attempts) =>
        Duration.FromSeconds(Math.Min(300, Math.Pow(2, Math.Clamp(attempts - 1, 0, 12))));

    private static string Truncate(string s) => s.Length <= 500 ? s : s[..500];
}
