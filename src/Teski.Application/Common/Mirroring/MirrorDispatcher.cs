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

    /// <summary>Records one claim (and one mirror transaction) takes at most.</summary>
    public const int BatchSize = 64;

    /// <summary>Applies due records (all streams, or one); returns how many were applied. Never throws for a mirror failure.</summary>
    public Task<int> DrainAsync(string? stream, int max, CancellationToken ct) =>
        DrainAsync(stream is null ? null : [stream], max, ct);

    /// <summary>
    /// Applies due records of <paramref name="streams"/> (null: every stream), up to <paramref name="max"/>; returns
    /// how many were applied. Never throws for a mirror failure. Each claim's records (the streams' heads) are applied
    /// in one mirror transaction and marked applied with one statement, so the mirror's fixed cost per record (claim,
    /// BEGIN/COMMIT, mark) is shared by the batch under load; a batch that fails is applied again one record at a
    /// time, so one bad record backs off alone and never holds up the others. <paramref name="settle"/> leaves out the
    /// records that became due less than that long ago (a fresh record is due when written): the periodic pass leaves
    /// them to the worker their request signalled, instead of claiming them first in small batches of its own.
    /// </summary>
    public async Task<int> DrainAsync(IReadOnlyCollection<string>? streams, int max, CancellationToken ct, Duration settle = default)
    {
        var applied = 0;
        while (applied < max && !ct.IsCancellationRequested)
        {
            IReadOnlyList<MirrorRecord> batch;
            var wanted = Math.Min(BatchSize, max - applied);
            await using (var claimScope = scopes.CreateAsyncScope())
            {
                var router = claimScope.ServiceProvider.GetRequiredService<IStoreRouter>();
                // Due by `now - settle`, leased until `now + Lease`.
                batch = await router.Primary.Backlog.ClaimDueAsync(wanted, clock.GetCurrentInstant() - settle, Lease + settle, streams, ct);
            }
            if (batch.Count == 0)
            {
                break;
            }
            var done = batch.Count == 1
                ? (await ApplyOneAsync(batch[0], ct) ? 1 : 0)
                : await ApplyBatchAsync(batch, ct);
            if (done == 0)
            {
                break;
            }
            applied += done;
            if (batch.Count < wanted && !batch.Any(r => r.StreamHasMore))
            {
                // The claim found fewer due heads than it could take and none of their streams holds a later record:
                // claiming again would find nothing (a record written since comes with its own signal).
                break;
            }
        }
        return applied;
    }

    /// <summary>Several streams' heads in one mirror transaction; on any failure, one at a time instead.</summary>
    private async Task<int> ApplyBatchAsync(IReadOnlyList<MirrorRecord> batch, CancellationToken ct)
    {
        if (await TryApplyTogetherAsync(batch, ct))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                metrics.Applied();
            }
            return batch.Count;
        }
        var applied = 0;
        foreach (var record in batch)
        {
            if (await ApplyOneAsync(record, ct))
            {
                applied++;
            }
        }
        return applied;
    }

    /// <summary>True when the whole batch is in the mirror and marked applied; false to retry it record by record.</summary>
    private async Task<bool> TryApplyTogetherAsync(IReadOnlyList<MirrorRecord> batch, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var router = scope.ServiceProvider.GetRequiredService<IStoreRouter>();
        IReadOnlyList<Link> links;
        try
        {
            links = await ApplyInOneTransactionAsync(router, scope.ServiceProvider.GetRequiredService<V2RuleSettingsAccessor>(), batch, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            foreach (var record in batch)
            {
                await HandBackAsync(record, "deferred: the request's mirror budget ran out", clock.GetCurrentInstant());
            }
            throw;
        }
        catch (Exception ex)
        {
            // Rolled back as a whole (nothing of the batch is in the mirror): each record gets its own attempt.
            logger.LogDebug(ex, "Mirror batch of {Count} records failed; applying them one at a time", batch.Count);
            return false;
        }
        try
        {
            await SettleAsync(router, links, batch, ct);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The mirror has the batch and its ledger says so: the records' second attempts only mark them applied (a
            // missing map row is written with that person's next mirrored fact, which resolves them on the legacy side).
            logger.LogDebug(ex, "Marking a mirrored batch of {Count} records failed; retrying them one at a time", batch.Count);
            return false;
        }
    }

    /// <summary>A legacy id and v2 id the primary's <c>legacy_user_map</c> should record as one person.</summary>
    private readonly record struct Link(long LegacyId, Guid V2Id, UserProfile? Profile);

    /// <summary>
    /// The records in one mirror transaction: each one's ledger row and, the first time, its write. Returns the
    /// links to record in the primary afterwards.
    /// </summary>
    private async Task<IReadOnlyList<Link>> ApplyInOneTransactionAsync(
        IStoreRouter router, V2RuleSettingsAccessor rules, IReadOnlyList<MirrorRecord> records, CancellationToken ct)
    {
        var mirror = Target(router);
        var links = new List<Link>();
        await using var tx = await mirror.BeginAsync(ct);
        // The ledger rows first, all at once: a record applied before (a retry, another instance) is skipped.
        var fresh = await mirror.Backlog.TryRecordAppliedAsync(records.Select(r => r.Id).ToList(), clock.GetCurrentInstant(), ct);
        var reviewBatch = mirror.Memory as IReviewBatchPort;
        var mistakeBatch = mirror.Memory as IMistakeBatchPort;
        var reviews = new List<ReviewFact>();
        var mistakes = new List<MistakeFact>();
        foreach (var record in records)
        {
            if (!fresh.Contains(record.Id))
            {
                continue;
            }
            // Reviews and mistakes (most of the traffic) go together below, each kind in one batch. The batch holds
            // one record per stream, so this reordering is across people only; each person's facts stay in order.
            switch (MirrorFact.Deserialize(record.Payload))
            {
                case ReviewFact { User.V2Id: not null } review when reviewBatch is not null:
                    reviews.Add(review);
                    break;
                case MistakeFact { User.V2Id: not null } mistake when mistakeBatch is not null:
                    mistakes.Add(mistake);
                    break;
                case var fact:
                    if (NeedsLink(router, fact, await fact.ApplyAsync(mirror, rules, ct)) is { } link)
                    {
                        links.Add(link);
                    }
                    break;
            }
        }
        if (reviews.Count > 0)
        {
            var people = await reviewBatch!.ApplyReviewsAsync(reviews.Select(r => new MirroredReview(r.User, r.Concept, r.Grade, r.At)).ToList(), ct);
            AddLinks(router, reviews, people, links);
        }
        if (mistakes.Count > 0)
        {
            var people = await mistakeBatch!.ApplyMistakesAsync(mistakes.Select(m => new MirroredMistake(m.User, m.Entry, m.At)).ToList(), ct);
            AddLinks(router, mistakes, people, links);
        }
        await tx.CommitAsync(ct);
        return links;
    }

    private static void AddLinks(IStoreRouter router, IReadOnlyList<MirrorFact> facts, IReadOnlyList<UserIdentity> people, List<Link> links)
    {
        for (var i = 0; i < facts.Count; i++)
        {
            if (NeedsLink(router, facts[i], people[i]) is { } link)
            {
                links.Add(link);
            }
        }
    }

    /// <summary>After the mirror committed: the links in the primary, then the records marked applied (one statement).</summary>
    private async Task SettleAsync(IStoreRouter router, IReadOnlyList<Link> links, IReadOnlyList<MirrorRecord> records, CancellationToken ct)
    {
        foreach (var link in links)
        {
            await router.Primary.Users.LinkAsync(link.LegacyId, link.V2Id, link.Profile, ct);
        }
        await router.Primary.Backlog.MarkAppliedAsync(records.Select(r => r.Id).ToList(), clock.GetCurrentInstant(), ct);
    }

    /// <summary>
    /// Identity travels back: a person first created on the legacy side by the mirror gets their map row in v2. A fact
    /// whose identity already carries that legacy id came from a linked v2 user: nothing to record.
    /// </summary>
    private static Link? NeedsLink(IStoreRouter router, MirrorFact fact, UserIdentity mirrored) =>
        router.Flags.Primary == StoreKind.V2 && mirrored.LegacyId is { } legacyId && fact.User.V2Id is { } v2Id
        && (fact.User.LegacyId != legacyId || mirrored.Profile is not null)
            ? new Link(legacyId, v2Id, mirrored.Profile)
            : null;

    private async Task<bool> ApplyOneAsync(MirrorRecord record, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var router = scope.ServiceProvider.GetRequiredService<IStoreRouter>();
        try
        {
            IReadOnlyList<MirrorRecord> one = [record];
            var links = await ApplyInOneTransactionAsync(router, scope.ServiceProvider.GetRequiredService<V2RuleSettingsAccessor>(), one, ct);
            await SettleAsync(router, links, one, ct);
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
