using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Stores;
using Teski.Domain.Common;
using Teski.Domain.Persona;
using Teski.Domain.Users;

namespace Teski.Infrastructure.V2.Store;

/// <summary>People in v2: the <c>user</c> table, and <c>legacy_user_map</c> for legacy ids.</summary>
internal sealed class V2UserPort(V2Store store) : IUserPort
{
    public async Task<UserIdentity?> ResolveAsync(UserRef user, UserIdentity? hint, bool create, Instant now, CancellationToken ct)
    {
        var resolved = await ResolveOrCreateAsync(user, hint, create, now, ct);
        if (resolved?.V2Id is { } v2Id)
        {
            // Whatever way the row was read or created, its zone is the process's next guess (V2UserZoneHints).
            store.ZoneHints.Set(v2Id, resolved.TimeZone);
        }
        return resolved;
    }

    private async Task<UserIdentity?> ResolveOrCreateAsync(UserRef user, UserIdentity? hint, bool create, Instant now, CancellationToken ct)
    {
        if (!create)
        {
            return await store.RunAsync(db => ResolveAsync(db, user, hint, create: false, now, ct), ct);
        }
        if (user.V2Id is { } id && hint?.LegacyId is null
            && await store.RunAsync(db => V2HotQueries.UserAsync(db, id, ct), ct) is { } known)
        {
            // The common case, a known user and nothing to link: one read, which outside a transaction needs no
            // BEGIN/COMMIT of its own (IStepwiseWrite requests). Creating or linking is a write, atomic below.
            return known;
        }
        return await store.WriteAsync(db => ResolveAsync(db, user, hint, create: true, now, ct), ct);
    }

    public Task LinkAsync(long legacyId, Guid v2Id, UserProfile? profile, CancellationToken ct) =>
        store.RunAsync(async db =>
        {
            await LinkAsync(db, legacyId, v2Id, ct);
            if (profile is not null)
            {
                await AdoptProfileAsync(db, v2Id, profile, ct);
            }
            return true;
        }, ct);

    /// <summary>
    /// The legacy profile fills what a v2 row created before the legacy side was known lacks (email, display name) and
    /// the earlier creation time wins — what the backfill would have written, so verify agrees.
    /// </summary>
    private static async Task AdoptProfileAsync(V2DbContext db, Guid v2Id, UserProfile profile, CancellationToken ct)
    {
        var row = await db.Users.FirstOrDefaultAsync(u => u.Id == v2Id, ct);
        if (row is null)
        {
            return;
        }
        row.Email ??= profile.Email;
        row.DisplayName ??= profile.DisplayName;
        if (profile.CreatedAt < row.CreatedAt)
        {
            row.CreatedAt = profile.CreatedAt;
        }
        await db.SaveChangesAsync(ct);
        db.Entry(row).State = EntityState.Detached;
    }

    private static async Task<UserIdentity?> ResolveAsync(V2DbContext db, UserRef user, UserIdentity? hint, bool create, Instant now, CancellationToken ct)
    {
        // Reads are untracked on purpose: a flow that later rewrites the user row locks and re-reads it, and a copy
        // tracked from here would hide the locked, current values.
        if (user.V2Id is { } id)
        {
            // The common case, every request of a known user: one round trip for the row and its legacy id.
            var found = await V2HotQueries.UserAsync(db, id, ct);
            if (found is null)
            {
                if (!create)
                {
                    return null;
                }
                found = Identity(await CreateAsync(db, id, now, hint, ct), legacyId: null);
            }
            if (create && hint?.LegacyId is { } hinted)
            {
                // A person the legacy side already knows (mirrored fact): record the pair now, as the backfill would.
                await LinkAsync(db, hinted, id, ct);
                found = await V2HotQueries.UserAsync(db, id, ct) ?? found;
            }
            return found;
        }

        var legacyId = user.LegacyId ?? throw new ArgumentException("empty user ref", nameof(user));
        var key = MapKey(legacyId);
        if (await V2HotQueries.UserByLegacyIdAsync(db, key, ct) is { } known)
        {
            // The common case on PostgreSQL, a mapped legacy id: the map and the row in one round trip.
            return known;
        }
        var mapped = await db.LegacyUserMaps.AsNoTracking()
            .Where(m => m.LegacyUserId == key)
            .Select(m => (Guid?)m.UserId)
            .FirstOrDefaultAsync(ct);
        if (mapped is { } mappedId)
        {
            var row = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == mappedId, ct)
                ?? throw new InvalidOperationException($"legacy_user_map points legacy user {legacyId} at a missing v2 user {mappedId}");
            return Identity(row, legacyId);
        }
        if (!create)
        {
            return null;
        }
        // The hint carries the id the other store already uses; otherwise the name-based id the backfill derives too.
        var newId = hint?.V2Id ?? StableId.For("user", legacyId);
        var existing = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == newId, ct)
            ?? await CreateAsync(db, newId, now, hint, ct);
        db.LegacyUserMaps.Add(new LegacyUserMapRow { LegacyUserId = key, UserId = newId });
        await db.SaveChangesAsync(ct);
        return Identity(existing, legacyId);
    }

    private static async Task<V2UserRow> CreateAsync(V2DbContext db, Guid id, Instant now, UserIdentity? hint, CancellationToken ct)
    {
        var row = V2RowMapping.ToRow(V2User.CreateOnFirstUse(id, hint?.Profile?.CreatedAt ?? now, PersonaKeys.Default.ToWire()));
        if (hint?.Profile is { } profile)
        {
            // A person the legacy side knows: carry the profile and the legacy app's zone, as the backfill would.
            row.Email = profile.Email;
            row.DisplayName = profile.DisplayName;
            row.Timezone = hint.TimeZone;
        }
        db.Users.Add(row);
        await db.SaveChangesAsync(ct);
        db.Entry(row).State = EntityState.Detached;
        return row;
    }

    private static async Task<bool> LinkAsync(V2DbContext db, long legacyId, Guid v2Id, CancellationToken ct)
    {
        // Idempotent and race-free: the first link of a legacy id wins, later ones (same or other v2 id) are no-ops.
        await V2Store.InsertIfAbsentAsync(db, "legacy_user_map", "legacy_user_id, user_id", [MapKey(legacyId), v2Id], ct);
        return true;
    }

    /// <summary><c>legacy_user_map.legacy_user_id</c> is a 32-bit INT (the previous stack's column); legacy ids fit.</summary>
    private static int MapKey(long legacyId) =>
        legacyId is > 0 and <= int.MaxValue
            ? (int)legacyId
            : throw new ArgumentOutOfRangeException(nameof(legacyId), legacyId, "legacy user ids are positive 32-bit integers");

    private static UserIdentity Identity(V2UserRow row, long? legacyId) =>
        new(legacyId, row.Id, row.Timezone, row.AnalyticsConsent, row.Persona);
}
