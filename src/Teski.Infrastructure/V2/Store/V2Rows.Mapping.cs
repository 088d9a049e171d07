using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;
using Teski.Application.Common.Stores;
using Teski.Domain.Memory;
using Teski.Domain.Users;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.V2.Store;

/// <summary>Rows ↔ domain objects, and the row locks the read-modify-write flows take.</summary>
internal static class V2RowMapping
{
    public static V2UserRow ToRow(V2User u) => new()
    {
        Id = u.Id,
        CreatedAt = u.CreatedAt,
        Timezone = u.Timezone,
        DisplayName = u.DisplayName,
        Email = u.Email,
        StreakDays = u.StreakDays,
        LastStreakAt = u.LastStreakAt,
        Persona = u.Persona,
        IsPro = u.IsPro,
        ProUntil = u.ProUntil,
        InstitutionId = u.InstitutionId,
        AnalyticsConsent = u.AnalyticsConsent,
        IsInstitutionAdmin = u.IsInstitutionAdmin,
    };

    public static V2User ToDomain(V2UserRow r) => V2User.Rehydrate(
        r.Id, r.CreatedAt, r.Timezone, r.DisplayName, r.Email, r.StreakDays, r.LastStreakAt, r.Persona, r.IsPro,
        r.ProUntil, r.InstitutionId, r.AnalyticsConsent, r.IsInstitutionAdmin);

    public static MemoryItem ToDomain(MemoryItemRow r) => MemoryItem.Rehydrate(
        r.Id, r.UserId, r.TaskId, r.Concept, r.Ease, r.Interval, r.DueAt, r.Stability, r.Difficulty, r.Lapses);

    public static MemoryItemRow ToRow(MemoryItem m)
    {
        var row = new MemoryItemRow { Id = m.Id, UserId = m.UserId, Concept = m.Concept };
        CopyState(m, row);
        return row;
    }

    public static void CopyState(MemoryItem m, MemoryItemRow row)
    {
        row.TaskId = m.TaskId;
        row.Ease = m.Ease;
        row.Interval = m.Interval;
        row.DueAt = m.DueAt;
        row.Stability = m.Stability;
        row.Difficulty = m.Difficulty;
        row.Lapses = m.Lapses;
    }

    /// <summary>The v2 id of a person; every v2 port call gets an identity this store resolved, which always has one.</summary>
    public static Guid V2Id(UserIdentity user) =>
        user.V2Id ?? throw new InvalidOperationException("The v2 store needs a resolved v2 user id (call Users.ResolveAsync first).");

    /// <summary>
    /// The user row, tracked, locked for the rest of the transaction on PostgreSQL (SQLite's IMMEDIATE transaction
    /// already excludes other writers). Taken first by every flow that reads and then rewrites per-user state
    /// (streak, today's count, the one item per concept), which serializes them per user. <c>FOR NO KEY UPDATE</c>, the
    /// lock PostgreSQL's own UPDATE takes: it excludes the other flows of the user just as well, but — unlike
    /// <c>FOR UPDATE</c> — not the foreign-key checks of other transactions' inserts that reference the row (the
    /// mirror's <c>legacy_user_map</c> row, another flow's log rows), which would otherwise queue behind it.
    /// </summary>
    public static async Task<V2UserRow?> LockUserAsync(V2DbContext db, Guid userId, CancellationToken ct)
    {
        Forget<V2UserRow>(db, r => r.Id == userId);
        if (V2Store.IsSqlite(db))
        {
            return await db.Users.AsTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
        }
        var rows = await db.Users.FromSqlRaw("SELECT * FROM \"user\" WHERE id = {0} FOR NO KEY UPDATE", userId).AsTracking().ToListAsync(ct);
        return rows.FirstOrDefault();
    }

    /// <summary>The user's memory item by id or by concept, tracked and (PostgreSQL) locked; null when not the user's.</summary>
    public static async Task<MemoryItemRow?> LockItemAsync(V2DbContext db, Guid userId, Guid? memoryId, string? concept, CancellationToken ct)
    {
        if (memoryId is null && concept is null)
        {
            return null;
        }
        Forget<MemoryItemRow>(db, r => r.UserId == userId && (memoryId != null ? r.Id == memoryId : r.Concept == concept));
        if (V2Store.IsSqlite(db))
        {
            return memoryId is { } id
                ? await db.MemoryItems.AsTracking().FirstOrDefaultAsync(m => m.Id == id && m.UserId == userId, ct)
                : await db.MemoryItems.AsTracking().FirstOrDefaultAsync(m => m.UserId == userId && m.Concept == concept, ct);
        }
        var rows = memoryId is { } mid
            ? await db.MemoryItems.FromSqlRaw("SELECT * FROM memoryitem WHERE id = {0} AND user_id = {1} FOR NO KEY UPDATE", mid, userId).AsTracking().ToListAsync(ct)
            : await db.MemoryItems.FromSqlRaw("SELECT * FROM memoryitem WHERE user_id = {0} AND concept = {1} FOR NO KEY UPDATE", userId, concept!).AsTracking().ToListAsync(ct);
        return rows.FirstOrDefault();
    }

    /// <summary>
    /// The user row and one of the user's memory items (by id, or else by concept), both tracked and locked, user
    /// first — the read-modify-write of a review or a mistake: <see cref="LockUserAsync"/>, then
    /// <see cref="LockItemAsync"/>. On PostgreSQL, the two <c>SELECT … FOR NO KEY UPDATE</c> go as one batch, so one
    /// round trip instead of two; the server runs them in order, so the user's lock is still taken first, and each
    /// returns its row as it is once its lock is held (READ COMMITTED). The rows are read here and attached unchanged,
    /// which tracks them as EF's own query would; with <paramref name="track"/> false they are not attached, for a
    /// caller that writes them itself (<see cref="V2RowWrites"/>). SQLite always tracks. Item null when it is not the
    /// user's, when there is none for the concept, or when neither id nor concept is given; both null when the user
    /// does not exist.
    /// </summary>
    public static async Task<(V2UserRow? User, MemoryItemRow? Item)> LockUserAndItemAsync(
        V2DbContext db, Guid userId, Guid? memoryId, string? concept, CancellationToken ct, bool track = true)
    {
        var (user, item, _, _) = await LockUserAndItemAsync(db, userId, memoryId, concept, reviewDay: null, ct, track);
        return (user, item);
    }

    /// <summary>
    /// As above; on PostgreSQL, with <paramref name="reviewDay"/> given, the review's reads
    /// (<see cref="V2HotQueries.ReviewReadsAsync"/>: the user's reviews in that range, the item's badge and latest
    /// grades) run as a third statement of the same round trip, after the locks, and come back as <c>Reads</c>. The
    /// range is the caller's guess at the user's day (from the zone it resolved the user with); the caller checks it
    /// against the locked row's zone and reads again when they differ. Null reads on SQLite, or when a row is missing.
    /// With <paramref name="withLegacyId"/> (PostgreSQL), the user's first legacy id (<c>legacy_user_map</c>, as
    /// <see cref="V2HotQueries.UserAsync"/> reads it) comes back with the locked row, for a caller that did not resolve
    /// the user first; null otherwise, and on SQLite.
    /// </summary>
    public static async Task<(V2UserRow? User, MemoryItemRow? Item, ReviewReadColumns? Reads, long? LegacyId)> LockUserAndItemAsync(
        V2DbContext db, Guid userId, Guid? memoryId, string? concept, (Instant Start, Instant End)? reviewDay, CancellationToken ct,
        bool track = true, bool withLegacyId = false)
    {
        if (V2Store.IsSqlite(db))
        {
            var locked = await LockUserAsync(db, userId, ct);
            return locked is null ? (null, null, null, null) : (locked, await LockItemAsync(db, userId, memoryId, concept, ct), null, null);
        }
        Forget<V2UserRow>(db, r => r.Id == userId);
        Forget<MemoryItemRow>(db, r => r.UserId == userId && (memoryId != null ? r.Id == memoryId : r.Concept == concept));
        await using var batch = await PostgresCommands.CreateBatchAsync(db.Database, ct);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(withLegacyId ? LockUserWithLegacyIdSql : LockUserSql) { Parameters = { new() { Value = userId } } });
        if (memoryId is { } id)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(LockItemSql) { Parameters = { new() { Value = id }, new() { Value = userId } } });
        }
        else if (concept is not null)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(LockItemByConceptSql) { Parameters = { new() { Value = userId }, new() { Value = concept } } });
        }
        var withReads = reviewDay is not null && (memoryId is not null || concept is not null);
        if (withReads)
        {
            var (start, end) = reviewDay!.Value;
            batch.BatchCommands.Add(new NpgsqlBatchCommand(memoryId is null ? ReviewReadsByConceptSql : ReviewReadsSql)
            {
                Parameters =
                {
                    new() { Value = userId },
                    new() { Value = start },
                    new() { Value = end },
                    new() { Value = (object?)memoryId ?? concept! },
                },
            });
        }
        V2UserRow? user = null;
        MemoryItemRow? item = null;
        ReviewReadColumns? reads = null;
        long? legacyId = null;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                user = new V2UserRow
                {
                    Id = reader.GetGuid(0),
                    CreatedAt = reader.GetFieldValue<Instant>(1),
                    Timezone = reader.GetString(2),
                    DisplayName = reader.IsDBNull(3) ? null : reader.GetString(3),
                    Email = reader.IsDBNull(4) ? null : reader.GetString(4),
                    StreakDays = reader.GetInt32(5),
                    LastStreakAt = reader.IsDBNull(6) ? null : reader.GetFieldValue<Instant>(6),
                    Persona = reader.IsDBNull(7) ? null : reader.GetString(7),
                    IsPro = reader.GetBoolean(8),
                    ProUntil = reader.IsDBNull(9) ? null : reader.GetFieldValue<Instant>(9),
                    InstitutionId = reader.IsDBNull(10) ? null : reader.GetString(10),
                    AnalyticsConsent = reader.GetBoolean(11),
                    IsInstitutionAdmin = reader.GetBoolean(12),
                };
                legacyId = withLegacyId && !reader.IsDBNull(13) ? reader.GetInt32(13) : null;
            }
            if (await reader.NextResultAsync(ct) && await reader.ReadAsync(ct))
            {
                item = new MemoryItemRow
                {
                    Id = reader.GetGuid(0),
                    UserId = reader.GetGuid(1),
                    TaskId = reader.IsDBNull(2) ? null : reader.GetGuid(2),
                    Concept = reader.GetString(3),
                    Ease = reader.GetDouble(4),
                    Interval = reader.GetInt32(5),
                    DueAt = reader.GetFieldValue<Instant>(6),
                    Stability = reader.GetDouble(7),
                    Difficulty = reader.GetDouble(8),
                    Lapses = reader.GetInt32(9),
                };
            }
            if (withReads && await reader.NextResultAsync(ct) && await reader.ReadAsync(ct))
            {
                reads = new ReviewReadColumns(
                    reader.GetInt32(0),
                    reader.GetBoolean(1),
                    reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : reader.GetInt32(3));
            }
        }
        if (user is null)
        {
            return (null, null, null, null);
        }
        if (track)
        {
            db.Users.Attach(user);
            if (item is not null)
            {
                db.MemoryItems.Attach(item);
            }
        }
        return (user, item, item is null ? null : reads, legacyId);
    }

    // The columns in the order LockUserAndItemAsync reads them: every mapped column of the two row types (a column
    // added to V2UserRow or MemoryItemRow must be added here and read above; PlainStatementColumnsTests checks; ADR 0009).
    private const string LockUserColumns =
        "id, created_at, timezone, display_name, email, streak_days, last_streak_at, persona, is_pro, pro_until, " +
        "institution_id, analytics_consent, is_institution_admin";

    private const string LockUserSql = "SELECT " + LockUserColumns + " FROM \"user\" WHERE id = $1 FOR NO KEY UPDATE";

    // The same row and lock, and then the user's first legacy id as V2HotQueries.UserAsync reads it (the map row is
    // not locked: the review does not write it).
    private const string LockUserWithLegacyIdSql =
        "SELECT " + LockUserColumns + ", " +
        "(SELECT m.legacy_user_id FROM legacy_user_map AS m WHERE m.user_id = u.id ORDER BY m.legacy_user_id LIMIT 1) " +
        "FROM \"user\" AS u WHERE u.id = $1 FOR NO KEY UPDATE OF u";

    private const string LockItemSql = SelectItem + "id = $1 AND user_id = $2 FOR NO KEY UPDATE";

    private const string LockItemByConceptSql = SelectItem + "user_id = $1 AND concept = $2 FOR NO KEY UPDATE";

    // The review's reads as V2HotQueries.ReviewReads phrases them (its plan: the day's reviews of the user counted up to
    // Streak.ReviewsPerDay, the badge of the item's concept, the item's two latest grades), over the item row the
    // statement before locked: by id (and user), or by the user's concept.
    private static readonly string ReviewReadsSelect =
        "SELECT (SELECT count(*)::int FROM (SELECT 1 FROM reviewlog AS r WHERE r.user_id = $1 AND r.reviewed_at >= $2 " +
        $"AND r.reviewed_at < $3 LIMIT {Streak.ReviewsPerDay}) AS r0), " +
        $"EXISTS (SELECT 1 FROM badge AS b WHERE b.user_id = $1 AND b.kind = '{Domain.Analytics.NemesisBadge.KindPrefix}' || i.concept), " +
        "(SELECT r.grade FROM reviewlog AS r WHERE r.memory_id = i.id ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1), " +
        "(SELECT r.grade FROM reviewlog AS r WHERE r.memory_id = i.id ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1 OFFSET 1) " +
        "FROM memoryitem AS i WHERE ";

    private static readonly string ReviewReadsSql = ReviewReadsSelect + "i.id = $4 AND i.user_id = $1";

    private static readonly string ReviewReadsByConceptSql = ReviewReadsSelect + "i.user_id = $1 AND i.concept = $4";

    private const string SelectItem =
        "SELECT id, user_id, task_id, concept, ease, \"interval\", due_at, stability, difficulty, lapses FROM memoryitem WHERE ";

    /// <summary>
    /// Detaches already tracked copies: EF's identity resolution would otherwise return them with the values read
    /// before the lock was taken, and the write would be based on stale state (a lost update).
    /// </summary>
    private static void Forget<T>(V2DbContext db, Func<T, bool> match)
        where T : class
    {
        foreach (var entry in db.ChangeTracker.Entries<T>().Where(e => match(e.Entity)).ToList())
        {
            entry.State = EntityState.Detached;
        }
    }
}

/// <summary>"Today" in the user's zone, as the UTC range the counts use (v2-schema.md, "User-local day").</summary>
internal static class V2Today
{
    public static (NodaTime.Instant Start, NodaTime.Instant End) For(UserIdentity user, NodaTime.Instant now) => For(user.TimeZone, now);

    /// <summary>The same for a zone as a user row stores it (an unknown name falls back as <see cref="UserDay.ResolveZone"/> does).</summary>
    public static (NodaTime.Instant Start, NodaTime.Instant End) For(string zone, NodaTime.Instant now) =>
        UserDay.Today(now, UserDay.ResolveZone(zone));
}
