using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Stores;

namespace Teski.Infrastructure.Legacy.Store;

/// <summary>
/// People in the legacy store. The legacy app never required a <c>user</c> row for its integer ids (its memory and
/// analytics tables have no foreign key to it), so a legacy id always resolves; a v2 UUID resolves through
/// <c>external_user_id</c>, creating a synthetic legacy user on demand (docs/api.md, "Users created by the mirror").
/// </summary>
internal sealed class LegacyUserPort(LegacyStore store) : IUserPort
{
    /// <summary>The zone the legacy app assumed for everyone.</summary>
    public const string TimeZone = "Europe/Helsinki";

    /// <summary>RFC 2606 reserves <c>.invalid</c>: the address is clearly synthetic and can never reach anyone.</summary>
    public static string SyntheticEmail(Guid v2Id) => "v2-" + v2Id.ToString("N") + Migration.Rules.MigrationRules.SyntheticEmailDomain;

    public Task<UserIdentity?> ResolveAsync(UserRef user, UserIdentity? hint, bool create, Instant now, CancellationToken ct) =>
        user.LegacyId is { } legacyId
            ? store.RunAsync(db => ResolveLegacyAsync(db, legacyId, ct), ct)
            : ResolveV2Async(user.V2Id!.Value, hint, create, LegacyRowMapping.Micros(now), ct);

    /// <summary>Legacy: no map to maintain (the link is <c>external_user_id</c>, or the v2 store's <c>legacy_user_map</c>).</summary>
    public Task LinkAsync(long legacyId, Guid v2Id, UserProfile? profile, CancellationToken ct) => Task.CompletedTask;

    private static async Task<UserIdentity?> ResolveLegacyAsync(LegacyDbContext db, long legacyId, CancellationToken ct)
    {
        if (legacyId is <= 0 or > int.MaxValue)
        {
            // user.id is INTEGER: such an id cannot name a legacy person.
            return null;
        }
        var row = await db.Users.AsNoTracking().Where(u => u.Id == (int)legacyId)
            .Select(u => new { u.ExternalUserId, u.CreatedAt, u.Email, u.DisplayName }).FirstOrDefaultAsync(ct);
        return row is null
            ? Identity(legacyId, null)
            : Identity(legacyId, ParseUuid(row.ExternalUserId)) with
            {
                Profile = new UserProfile(row.CreatedAt, Migration.Rules.MigrationRules.CarriedEmail(row.Email), row.DisplayName),
            };
    }

    private async Task<UserIdentity?> ResolveV2Async(Guid v2Id, UserIdentity? hint, bool create, Instant now, CancellationToken ct)
    {
        var found = await store.RunAsync(db => FindByExternalIdAsync(db, v2Id, ct), ct);
        if (found is { } id)
        {
            return Identity(id, v2Id);
        }
        if (await store.RunAsync(db => FromHintAsync(db, v2Id, hint, ct), ct) is { } hinted)
        {
            return hinted;
        }
        if (!create)
        {
            return null;
        }
        return await store.WriteAsync(async db =>
        {
            // Insert-if-absent: two first uses of one UUID race on the unique external_user_id; the loser reads the winner's row.
            await LegacyStore.InsertIfAbsentAsync(db, "\"user\"",
                "external_user_id, email, display_name, hashed_password, role, created_at, onboarded, onboarded_at",
                [v2Id.ToString("D"), SyntheticEmail(v2Id), hint?.Profile?.DisplayName, "", LegacyRoles.Student, new WallHelsinki(hint?.Profile?.CreatedAt ?? now), false, null], ct);
            var created = await FindByExternalIdAsync(db, v2Id, ct)
                ?? throw new InvalidOperationException($"legacy user for {v2Id:D} was neither created nor found");
            return Identity(created, v2Id);
        }, ct);
    }

    /// <summary>
    /// The row whose <c>external_user_id</c> is the UUID: the canonical lowercase hyphenated text the legacy app
    /// writes, else (old or hand-edited rows) the same UUID in another case.
    /// </summary>
    private static async Task<long?> FindByExternalIdAsync(LegacyDbContext db, Guid v2Id, CancellationToken ct)
    {
        var canonical = v2Id.ToString("D");
        var id = await db.Users.AsNoTracking().Where(u => u.ExternalUserId == canonical).Select(u => (int?)u.Id).FirstOrDefaultAsync(ct);
#pragma warning disable CA1862 // EF translates ToLower() to SQL lower(); string.Equals with a StringComparison has no translation.
        id ??= await db.Users.AsNoTracking().Where(u => u.ExternalUserId!.ToLower() == canonical).Select(u => (int?)u.Id).FirstOrDefaultAsync(ct);
#pragma warning restore CA1862
        return id;
    }

    /// <summary>
    /// A person the v2 store already maps to a legacy id (<paramref name="hint"/>) whose legacy row has no UUID of its own
    /// (the backfill then generated the v2 id): that legacy id is the person, not a new synthetic user. A legacy row
    /// holding a different UUID is someone else, so the hint is ignored then.
    /// </summary>
    private static async Task<UserIdentity?> FromHintAsync(LegacyDbContext db, Guid v2Id, UserIdentity? hint, CancellationToken ct)
    {
        if (hint?.LegacyId is not { } legacyId || legacyId is <= 0 or > int.MaxValue)
        {
            return null;
        }
        var row = await db.Users.AsNoTracking().Where(u => u.Id == (int)legacyId).Select(u => new { u.ExternalUserId }).FirstOrDefaultAsync(ct);
        if (row is not null && ParseUuid(row.ExternalUserId) is { } own && own != v2Id)
        {
            return null;
        }
        return Identity(legacyId, v2Id);
    }

    internal static UserIdentity Identity(long legacyId, Guid? v2Id) =>
        // The legacy app has no consent flag and no per-user persona: everyone consented, persona from the default.
        new(legacyId, v2Id, TimeZone, AnalyticsConsent: true, Persona: null);

    private static Guid? ParseUuid(string? text) => Guid.TryParse(text, out var g) && g != Guid.Empty ? g : null;
}
