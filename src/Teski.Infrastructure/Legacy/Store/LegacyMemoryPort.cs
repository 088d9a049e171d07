using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;
using Teski.Domain.Memory;

namespace Teski.Infrastructure.Legacy.Store;

/// <summary>
/// The memory module as the legacy app stores it: <c>mistake_logs</c>, <c>memory_stats</c>, <c>review_cards</c> (legacy
/// SM-2) and <c>resurface_plans</c>. Every write locks the user first (see <see cref="LegacyStore"/>). Datetime filters
/// run in memory on the user's rows: the legacy text may be hand-edited (offsets, <c>T</c>), which a text comparison
/// in SQLite would misorder, and one user's cards and plans are few.
/// </summary>
internal sealed class LegacyMemoryPort(LegacyStore store) : IMemoryPort, IReviewBatchPort, IMistakeBatchPort
{
    public Task<MistakeLogged> LogMistakeAsync(UserIdentity user, MistakeEntry entry, Instant now, V2RuleSettings rules, CancellationToken ct)
    {
        var userId = UserId(user);
        now = LegacyRowMapping.Micros(now);
        return store.WriteAsync(async db =>
        {
            await LegacyStore.LockUserAsync(db, userId, ct);
            var stats = new Dictionary<(int, int?), LegacyMemoryStatsRow>();
            if (await FindStatsAsync(db, userId, entry.SkillId, ct) is { } statsRow)
            {
                stats[(userId, statsRow.SkillId)] = statsRow;
            }
            var cards = new Dictionary<(int, string), LegacyReviewCardRow>();
            if (SchedulesCard(entry)
                && await db.ReviewCards.Where(c => c.UserId == userId && c.TemplateCode == entry.TemplateCode).FirstOrDefaultAsync(ct) is { } cardRow)
            {
                cards[(userId, entry.TemplateCode!)] = cardRow;
            }
            var written = RecordMistake(db, userId, entry, now, stats, cards);
            await db.SaveChangesAsync(ct);
            if (AddRowLink(db, written.Log, entry))
            {
                await db.SaveChangesAsync(ct);
            }
            return new MistakeLogged(written.Log.Id, null, null, entry.Concept, entry.Subtype);
        }, ct);
    }

    /// <summary>
    /// Mirrored mistakes in a fixed number of statements, every row as <see cref="LogMistakeAsync"/> writes it: the
    /// people (one query, as for reviews), their locks, their memory_stats rows and the cards of the templates the
    /// mistakes schedule. Two mistakes of one person in a batch see each other's rows, as they would one after the
    /// other. On PostgreSQL the locks, reads and new log ids go in one round trip and every write in a second
    /// (<see cref="LegacyMistakeBatchWrites"/>); on SQLite through EF: the reads one query each, the rows saved in one
    /// batch, then the row links (which name the logs' generated ids) in a second.
    /// </summary>
    public Task<IReadOnlyList<UserIdentity>> ApplyMistakesAsync(IReadOnlyList<MirroredMistake> mistakes, CancellationToken ct) =>
        store.RunAsync<IReadOnlyList<UserIdentity>>(async db =>
        {
            RequireTransaction(db, "mistakes");
            var people = await ResolvePeopleAsync(db, mistakes.Select(m => (m.User, m.At)).ToList(), ct);
            var owners = people.Select(UserId).ToList();
            var userIds = owners.Distinct().ToList();
            var cardKeys = Enumerable.Range(0, mistakes.Count)
                .Where(i => SchedulesCard(mistakes[i].Entry))
                .Select(i => (User: owners[i], Concept: mistakes[i].Entry.TemplateCode!))
                .Distinct()
                .ToList();
            if (!db.Database.IsSqlite())
            {
                await LegacyMistakeBatchWrites.ApplyAsync(db, mistakes, owners, userIds, cardKeys, ct);
                return people;
            }
            // No user locks on SQLite: the IMMEDIATE transaction already serialises every writer.
            var stats = StatsByKey(await db.MemoryStats.Where(m => userIds.Contains(m.UserId)).ToListAsync(ct));
            await SaveMistakesAsync(db, mistakes, owners, stats, await CardsAsync(db, cardKeys, ct), ct);
            return people;
        }, ct);

    /// <summary>
    /// The mirrored mistakes' rows through EF, given the stats rows and cards found (tracked): every row saved in one
    /// batch, then the row links, which name the logs' generated ids, in a second.
    /// </summary>
    internal static async Task SaveMistakesAsync(LegacyDbContext db, IReadOnlyList<MirroredMistake> mistakes, IReadOnlyList<int> owners,
        Dictionary<(int, int?), LegacyMemoryStatsRow> stats, Dictionary<(int, string), LegacyReviewCardRow> cards, CancellationToken ct)
    {
        var logs = new LegacyMistakeLogRow[mistakes.Count];
        for (var i = 0; i < mistakes.Count; i++)
        {
            logs[i] = RecordMistake(db, owners[i], mistakes[i].Entry, LegacyRowMapping.Micros(mistakes[i].At), stats, cards).Log;
        }
        await db.SaveChangesAsync(ct);
        var linked = false;
        for (var i = 0; i < mistakes.Count; i++)
        {
            linked |= AddRowLink(db, logs[i], mistakes[i].Entry);
        }
        if (linked)
        {
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>The stats rows by (user, skill); a database without the unique constraint gets the oldest row.</summary>
    internal static Dictionary<(int, int?), LegacyMemoryStatsRow> StatsByKey(IEnumerable<LegacyMemoryStatsRow> rows) =>
        rows.GroupBy(m => (m.UserId, m.SkillId)).ToDictionary(g => g.Key, g => g.MinBy(m => m.Id)!);

    /// <summary>
    /// <see cref="MistakeRows.Record"/>, with the new rows added to <paramref name="db"/> (the stats row and card found
    /// are tracked, so their changes are saved too).
    /// </summary>
    private static MistakeRows RecordMistake(LegacyDbContext db, int userId, MistakeEntry entry, Instant now,
        Dictionary<(int, int?), LegacyMemoryStatsRow> stats, Dictionary<(int, string), LegacyReviewCardRow> cards)
    {
        var written = MistakeRows.Record(userId, entry, now, db.HasErrorSubtype, stats, cards);
        db.MistakeLogs.Add(written.Log);
        if (written.NewStats)
        {
            db.MemoryStats.Add(written.Stats);
        }
        if (written.NewCard)
        {
            db.ReviewCards.Add(written.Card!);
        }
        return written;
    }

    /// <summary>Whether a mistake schedules its template's card: the plain legacy log does not; /log/v1 and a mirrored v2 mistake do.</summary>
    internal static bool SchedulesCard(MistakeEntry entry) =>
        entry.Origin is MistakeOrigin.LegacyV1 or MistakeOrigin.V2 && !string.IsNullOrEmpty(entry.TemplateCode);

    /// <summary>
    /// A v2 mistake mirrored here: the link tells the backfill this row already exists in v2 (migration-rules.md).
    /// Added after the log row is saved (it names the row's id); false when the entry has no v2 id.
    /// </summary>
    private static bool AddRowLink(LegacyDbContext db, LegacyMistakeLogRow row, MistakeEntry entry)
    {
        if (entry.V2MistakeId is not { } v2MistakeId)
        {
            return false;
        }
        db.RowLinks.Add(new RowLinkRow { Entity = "mistake_logs", LegacyId = row.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), V2Id = v2MistakeId });
        return true;
    }

    public Task<ReviewRecorded?> ReviewAsync(UserIdentity user, ReviewTarget target, int grade, Instant now, V2RuleSettings rules, CancellationToken ct)
    {
        if (target.MemoryId is not null || string.IsNullOrEmpty(target.Concept) || user.LegacyId is null)
        {
            // A v2 memory item id means nothing here; the legacy card is named by its template code.
            return Task.FromResult<ReviewRecorded?>(null);
        }
        var userId = UserId(user);
        now = LegacyRowMapping.Micros(now);
        return store.WriteAsync(async db =>
        {
            await LegacyStore.LockUserAsync(db, userId, ct);
            var row = await db.ReviewCards.Where(c => c.UserId == userId && c.TemplateCode == target.Concept).FirstOrDefaultAsync(ct);
            if (row is null)
            {
                return null;
            }
            var card = row.ToDomain();
            // The legacy API only knows right/wrong; a v2 grade maps as the legacy bridge did (correct = grade ≥ 3).
            var result = card.ApplyResult(grade >= 3, now);
            card.CopyTo(row);
            await db.SaveChangesAsync(ct);
            return new ReviewRecorded(null, row.Id, target.Concept, result.NextReviewAt, result.IntervalDays, result.Easiness,
                XpAwarded: 0, FirstReviewToday: false, StreakDays: 0, BadgeEarned: null);
        }, ct);
    }

    /// <summary>
    /// Mirrored reviews in a fixed number of statements: the people by their UUID (one query; someone not found is
    /// resolved, and created, the one-at-a-time way), their locks (one statement), their cards (one query), then every
    /// card's SM-2 update as <see cref="ReviewAsync"/> makes it, saved in one batch.
    /// </summary>
    public Task<IReadOnlyList<UserIdentity>> ApplyReviewsAsync(IReadOnlyList<MirroredReview> reviews, CancellationToken ct) =>
        store.RunAsync<IReadOnlyList<UserIdentity>>(async db =>
        {
            RequireTransaction(db, "reviews");
            var people = await ResolvePeopleAsync(db, reviews.Select(r => (r.User, r.At)).ToList(), ct);
            var userIds = people.Select(UserId).Distinct().ToList();
            await LegacyStore.LockUsersAsync(db, userIds, ct);
            var keys = Enumerable.Range(0, reviews.Count)
                .Where(i => !string.IsNullOrEmpty(reviews[i].Concept))
                .Select(i => (User: UserId(people[i]), Concept: reviews[i].Concept!))
                .Distinct()
                .ToList();
            var byKey = await CardsAsync(db, keys, ct);
            for (var i = 0; i < reviews.Count; i++)
            {
                var review = reviews[i];
                if (string.IsNullOrEmpty(review.Concept) || !byKey.TryGetValue((UserId(people[i]), review.Concept), out var row))
                {
                    // No card for the concept here (written before dual-write began): the backfill carries that history.
                    continue;
                }
                var card = row.ToDomain();
                card.ApplyResult(review.Grade >= 3, LegacyRowMapping.Micros(review.At));
                card.CopyTo(row);
            }
            await db.SaveChangesAsync(ct);
            return people;
        }, ct);

    private static void RequireTransaction(LegacyDbContext db, string what)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException($"Mirrored {what} are applied inside the mirror's transaction.");
        }
    }

    /// <summary>
    /// The people of a mirrored batch by their UUID, in one query; someone not found is resolved (and created) the
    /// one-at-a-time way.
    /// </summary>
    private async Task<UserIdentity[]> ResolvePeopleAsync(LegacyDbContext db, IReadOnlyList<(UserIdentity User, Instant At)> facts, CancellationToken ct)
    {
        var uuids = facts.Where(f => f.User.V2Id is not null).Select(f => f.User.V2Id!.Value.ToString("D")).Distinct().ToList();
        var known = (await db.Users.AsNoTracking()
                .Where(u => u.ExternalUserId != null && uuids.Contains(u.ExternalUserId))
                .Select(u => new { u.Id, u.ExternalUserId })
                .ToListAsync(ct))
            .ToDictionary(u => u.ExternalUserId!, u => u.Id, StringComparer.Ordinal);
        var people = new UserIdentity[facts.Count];
        for (var i = 0; i < facts.Count; i++)
        {
            var user = facts[i].User;
            people[i] = user.V2Id is { } v2Id && known.TryGetValue(v2Id.ToString("D"), out var legacyId)
                ? LegacyUserPort.Identity(legacyId, v2Id)
                : await store.Users.ResolveAsync(user.Ref, user, create: true, facts[i].At, ct)
                    ?? throw new InvalidOperationException($"the legacy store could not resolve user {user.Ref}");
        }
        return people;
    }

    /// <summary>
    /// The cards of the (user, template code) pairs, tracked, by pair. (user_id, template_code) is unique in the legacy
    /// schema; a database without the constraint gets the oldest card.
    /// </summary>
    private static async Task<Dictionary<(int, string), LegacyReviewCardRow>> CardsAsync(
        LegacyDbContext db, IReadOnlyList<(int User, string Concept)> keys, CancellationToken ct)
    {
        List<LegacyReviewCardRow> cards;
        if (keys.Count == 0)
        {
            cards = [];
        }
        else if (!db.Database.IsSqlite())
        {
            // PostgreSQL: exactly the (user, concept) pairs of the batch. Users × concepts (the LINQ below) also read
            // and tracked every card of one person for another's concept: about six times the rows at a batch of 13.
            cards = await db.ReviewCards.FromSqlRaw(
                    "SELECT r.* FROM review_cards AS r JOIN unnest({0}, {1}) AS k(user_id, template_code) " +
                    "ON r.user_id = k.user_id AND r.template_code = k.template_code",
                    keys.Select(k => k.User).ToArray(), keys.Select(k => k.Concept).ToArray())
                .ToListAsync(ct);
        }
        else
        {
            var userIds = keys.Select(k => k.User).Distinct().ToList();
            var concepts = keys.Select(k => k.Concept).Distinct().ToList();
            cards = await db.ReviewCards
                .Where(c => userIds.Contains(c.UserId) && c.TemplateCode != null && concepts.Contains(c.TemplateCode))
                .ToListAsync(ct);
        }
        return CardsByKey(cards);
    }

    /// <summary>Cards by (user, template code); a database without the unique constraint gets the oldest card.</summary>
    internal static Dictionary<(int, string), LegacyReviewCardRow> CardsByKey(IEnumerable<LegacyReviewCardRow> cards) =>
        cards.GroupBy(c => (c.UserId, c.TemplateCode!)).ToDictionary(g => g.Key, g => g.MinBy(c => c.Id)!);

    public Task<int> MarkMasteredAsync(UserIdentity user, string templateCode, Instant now, CancellationToken ct)
    {
        var userId = UserId(user);
        now = LegacyRowMapping.Micros(now);
        return store.WriteAsync(async db =>
        {
            await LegacyStore.LockUserAsync(db, userId, ct);
            var rows = await db.MistakeLogs
                .Where(m => m.UserId == userId && m.TemplateCode == templateCode && m.ResolvedAt == null)
                .ToListAsync(ct);
            var byId = rows.ToDictionary(r => (long)r.Id);
            var picked = LegacyMastery.PickToResolve(rows.Select(r => r.ToDomain()));
            foreach (var mistake in picked)
            {
                mistake.Resolve(now);
                var row = byId[mistake.Id];
                row.ResolvedAt = mistake.ResolvedAt;
                row.Weight = mistake.Weight;
            }

            // The stats row of the skill of the most recent resolved mistake (NULL skill when none was resolved, or the
            // template's mistakes had no skill): the legacy handler updated one stats row per mastery.
            var skill = picked.Count > 0 ? picked[0].SkillId : null;
            var statsRow = await FindStatsAsync(db, userId, skill, ct);
            if (statsRow is null)
            {
                statsRow = new LegacyMemoryStatsRow();
                LegacyMemoryStats.FirstMastery(userId, skill, now).CopyTo(statsRow);
                db.MemoryStats.Add(statsRow);
            }
            else
            {
                var stats = statsRow.ToDomain();
                stats.RecordMastery(now);
                stats.CopyTo(statsRow);
            }
            await db.SaveChangesAsync(ct);
            return picked.Count;
        }, ct);
    }

    public Task<int> BuildResurfacePlanAsync(UserIdentity user, int count, int horizonMinutes, Instant now, LegacyRuleSettings rules, CancellationToken ct)
    {
        var userId = UserId(user);
        now = LegacyRowMapping.Micros(now);
        return store.WriteAsync(async db =>
        {
            await LegacyStore.LockUserAsync(db, userId, ct);
            var mistakes = await db.MistakeLogs.AsNoTracking()
                .Where(m => m.UserId == userId && m.ResolvedAt == null)
                .ToListAsync(ct);
            var plan = LegacyResurface.Plan(mistakes.Select(m => m.ToDomain()), count, horizonMinutes, rules.HalfLifeDays, now);
            var inserted = 0;
            foreach (var item in plan)
            {
                // unique (user_id, template_code, scheduled_for): a plan already there is kept, not duplicated or failed on.
                inserted += await LegacyStore.InsertIfAbsentAsync(db, "resurface_plans",
                    "user_id, skill_id, template_code, scheduled_for, status, created_at",
                    [userId, Int(item.SkillId), item.TemplateCode, new WallUtc(item.ScheduledFor), LegacyResurfacePlanStatuses.Pending, new WallUtc(now)], ct);
            }
            return inserted;
        }, ct);
    }

    public Task<IReadOnlyList<ResurfaceItem>> TakeResurfacedAsync(UserIdentity user, int limit, Instant now, CancellationToken ct)
    {
        if (user.LegacyId is null || limit <= 0)
        {
            return Task.FromResult<IReadOnlyList<ResurfaceItem>>([]);
        }
        var userId = UserId(user);
        now = LegacyRowMapping.Micros(now);
        return store.WriteAsync<IReadOnlyList<ResurfaceItem>>(async db =>
        {
            await LegacyStore.LockUserAsync(db, userId, ct);
            var pending = await db.ResurfacePlans
                .Where(p => p.UserId == userId && p.Status == LegacyResurfacePlanStatuses.Pending)
                .ToListAsync(ct);
            var due = pending.Where(p => p.ScheduledFor <= now).OrderBy(p => p.ScheduledFor).ThenBy(p => p.Id).Take(limit).ToList();
            var items = new List<ResurfaceItem>(due.Count);
            foreach (var plan in due)
            {
                // A plan without a template cannot be shown: the legacy app marked it skipped and left it out (it still
                // used up one of the `limit` slots, as the legacy query's LIMIT did).
                if (string.IsNullOrEmpty(plan.TemplateCode))
                {
                    plan.Status = LegacyResurfacePlanStatuses.Skipped;
                    continue;
                }
                plan.Status = LegacyResurfacePlanStatuses.Served;
                items.Add(new ResurfaceItem(plan.TemplateCode, await LatestInstanceAsync(db, userId, plan.TemplateCode, ct)));
            }
            await db.SaveChangesAsync(ct);
            return items;
        }, ct);
    }

    public Task<int> BuildReviewsAsync(UserIdentity user, int maxNew, int horizonMinutes, Instant now, LegacyRuleSettings rules, CancellationToken ct)
    {
        var userId = UserId(user);
        now = LegacyRowMapping.Micros(now);
        return store.WriteAsync(async db =>
        {
            await LegacyStore.LockUserAsync(db, userId, ct);
            var queued = (await db.ReviewCards.Where(c => c.UserId == userId).ToListAsync(ct)).Where(c => c.IsQueued()).ToList();
            // The legacy back-off: a long queue, or anything already due, means the learner has enough to do.
            if (queued.Count > rules.SrsQueueBackoff || queued.Any(c => c.NextReviewAt <= now))
            {
                return 0;
            }
            var horizon = now + Duration.FromMinutes(Math.Max(0, horizonMinutes));
            var soonest = queued.OrderBy(c => c.NextReviewAt).ThenBy(c => c.Id).Take(Math.Max(0, maxNew)).ToList();
            foreach (var card in soonest)
            {
                // A schedule adjustment, not a card event: updated_at (the "served"/"reviewed" clock) is left alone.
                if (horizon < card.NextReviewAt)
                {
                    card.NextReviewAt = horizon;
                }
            }
            await db.SaveChangesAsync(ct);
            return soonest.Count;
        }, ct);
    }

    public Task<IReadOnlyList<QueuedReview>> ServeDueReviewsAsync(UserIdentity user, int count, Instant now, LegacyRuleSettings rules, CancellationToken ct)
    {
        if (user.LegacyId is null || count <= 0)
        {
            return Task.FromResult<IReadOnlyList<QueuedReview>>([]);
        }
        var userId = UserId(user);
        now = LegacyRowMapping.Micros(now);
        return store.WriteAsync<IReadOnlyList<QueuedReview>>(async db =>
        {
            await LegacyStore.LockUserAsync(db, userId, ct);
            var cards = await db.ReviewCards.Where(c => c.UserId == userId).ToListAsync(ct);
            // The daily cap counts cards served in the last 24 h: status `served` and updated_at (the serve time, as
            // MarkServed sets it) within the window. A card answered since then is completed/scheduled and no longer counts.
            var windowStart = now - Duration.FromHours(24);
            var servedRecently = cards.Count(c => c.Status == LegacyReviewCardStatuses.Served && c.UpdatedAt >= windowStart);
            var take = Math.Min(count, Math.Max(0, rules.SrsDailyCap - servedRecently));
            var due = cards.Where(c => c.IsQueued() && c.NextReviewAt <= now)
                .OrderBy(c => c.NextReviewAt).ThenBy(c => c.Id).Take(take).ToList();
            var items = new List<QueuedReview>(due.Count);
            foreach (var row in due)
            {
                var card = row.ToDomain();
                card.MarkServed(now);
                card.CopyTo(row);
                var instance = string.IsNullOrEmpty(row.TemplateCode) ? null : await LatestInstanceAsync(db, userId, row.TemplateCode, ct);
                items.Add(new QueuedReview(row.Id, null, row.TemplateCode, instance, LegacyRowMapping.Concept(row.TemplateCode, row.SkillId)));
            }
            await db.SaveChangesAsync(ct);
            return items;
        }, ct);
    }

    public Task<DueReviews> NextDueAsync(UserIdentity user, int limit, Instant now, CancellationToken ct)
    {
        if (user.LegacyId is null)
        {
            return Task.FromResult(new DueReviews([], 0));
        }
        var userId = UserId(user);
        return store.RunAsync(async db =>
        {
            var cards = await db.ReviewCards.AsNoTracking().Where(c => c.UserId == userId).ToListAsync(ct);
            var due = cards.Where(c => c.IsQueued() && c.NextReviewAt <= now)
                .OrderBy(c => c.NextReviewAt).ThenBy(c => c.Id).Take(Math.Max(0, limit))
                .Select(c => new DueItem(null, c.Id, LegacyRowMapping.Concept(c.TemplateCode, c.SkillId), c.NextReviewAt))
                .ToList();
            return new DueReviews(due, ReviewedToday(cards, user, now).Count);
        }, ct);
    }

    public Task<MemoryStatsView> StatsAsync(UserIdentity user, Instant now, CancellationToken ct)
    {
        if (user.LegacyId is null)
        {
            return Task.FromResult(new MemoryStatsView(0, 0, 0, 0, 0));
        }
        var userId = UserId(user);
        return store.RunAsync(async db =>
        {
            var cards = await db.ReviewCards.AsNoTracking().Where(c => c.UserId == userId).ToListAsync(ct);
            var today = ReviewedToday(cards, user, now);
            var dueCount = cards.Count(c => c.IsQueued() && c.NextReviewAt <= now);
            // The legacy schema keeps no review history and no streak: legacy streak is 0.
            return new MemoryStatsView(today.Count, 0, dueCount, today.Count(c => c.LastResult == true), today.Count(c => c.LastResult == false));
        }, ct);
    }

    /// <summary>
    /// An approximation (the legacy schema has no review log): the cards last touched during the user's local day whose
    /// <c>last_result</c> is set. A card reviewed twice today counts once; a card answered earlier and merely served
    /// today counts too.
    /// </summary>
    private static List<LegacyReviewCardRow> ReviewedToday(List<LegacyReviewCardRow> cards, UserIdentity user, Instant now)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(user.TimeZone) ?? LegacyTime.Helsinki;
        var day = now.InZone(zone).Date;
        return cards.Where(c => c.LastResult is not null && c.UpdatedAt.InZone(zone).Date == day).ToList();
    }

    private static Task<LegacyMemoryStatsRow?> FindStatsAsync(LegacyDbContext db, int userId, long? skillId, CancellationToken ct)
    {
        var skill = Int(skillId);
        return skill is { } s
            ? db.MemoryStats.Where(m => m.UserId == userId && m.SkillId == s).FirstOrDefaultAsync(ct)
            : db.MemoryStats.Where(m => m.UserId == userId && m.SkillId == null).FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// The instance to show again for a template: the <c>instance_id</c> of the user's most recent mistake on it that
    /// names one (plans and cards do not store an instance).
    /// </summary>
    private static async Task<long?> LatestInstanceAsync(LegacyDbContext db, int userId, string templateCode, CancellationToken ct)
    {
        var candidates = await db.MistakeLogs.AsNoTracking()
            .Where(m => m.UserId == userId && m.TemplateCode == templateCode && m.InstanceId != null)
            .Select(m => new { m.Id, m.InstanceId, m.OccurredAt })
            .ToListAsync(ct);
        return candidates.OrderByDescending(m => m.OccurredAt).ThenByDescending(m => m.Id).Select(m => (long?)m.InstanceId).FirstOrDefault();
    }

    private static int UserId(UserIdentity user) =>
        user.LegacyId is { } id ? checked((int)id) : throw new InvalidOperationException("the legacy store needs the user's legacy id");

    internal static int? Int(long? value) => value is { } v ? checked((int)v) : null;
}
