using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Memory;
using Teski.Application.Persona;
using Teski.Application.Xp;

namespace Teski.Application.Common.Stores;

/// <summary>
/// One of the two schemas, seen through the ports the use cases need. Both stores implement every port, each
/// with its own schema's meaning (a review lands as an SM-2 card update in legacy and as a memory item + review
/// log in v2); the rules themselves live once, in the domain. Which store is primary is decided in one place
/// (<see cref="IStoreRouter"/>) from the flags; handlers never ask.
/// </summary>
public interface IStore
{
    StoreKind Kind { get; }

    IUserPort Users { get; }

    IMemoryPort Memory { get; }

    IProgressPort Progress { get; }

    IPersonaPort Personas { get; }

    IMirrorBacklog Backlog { get; }

    /// <summary>
    /// Begins this store's transaction; every port call in the current scope joins it until it is disposed. A store may
    /// hold a port call's final write back and send it with the commit (the v2 store on PostgreSQL: one round trip less
    /// per write); any other call on the store sends it first, so what the transaction reads and commits is the same.
    /// </summary>
    Task<IStoreTransaction> BeginAsync(CancellationToken ct);
}

public interface IStoreTransaction : IAsyncDisposable
{
    Task CommitAsync(CancellationToken ct);
}

/// <summary>The primary store and the mirror (if any) for the configured stage.</summary>
public interface IStoreRouter
{
    MigrationFlags Flags { get; }

    IStore Primary { get; }

    IStore? Mirror { get; }

    IStore Get(StoreKind kind);
}

/// <summary>
/// A person as one store knows them; the ids (and, from the legacy side, the profile) the other store needs travel
/// with mirrored facts, so a counterpart created by the mirror matches what the backfill would have written.
/// </summary>
public sealed record UserIdentity(long? LegacyId, Guid? V2Id, string TimeZone, bool AnalyticsConsent, string? Persona, UserProfile? Profile = null)
{
    /// <summary>The ref the other store resolves best: the v2 id when known (it survives the map), else the legacy id.</summary>
    public UserRef Ref => V2Id is { } v ? UserRef.V2(v) : UserRef.Legacy(LegacyId!.Value);
}

/// <summary>The legacy <c>user</c> fields that carry over to v2 (migration-rules.md, "User").</summary>
public sealed record UserProfile(Instant CreatedAt, string? Email, string? DisplayName);

public interface IUserPort
{
    /// <summary>
    /// Resolves the person in this store. Legacy: by id, or by <c>external_user_id</c> for a v2 UUID (creating a
    /// legacy user with a synthetic email when <paramref name="create"/>). V2: by UUID, or through
    /// <c>legacy_user_map</c> for a legacy id (creating user + map on first use when <paramref name="create"/>;
    /// <paramref name="hint"/> carries the other store's ids so the v2 id agrees with the backfill's choice).
    /// Null when unknown and not created.
    /// </summary>
    Task<UserIdentity?> ResolveAsync(UserRef user, UserIdentity? hint, bool create, Instant now, CancellationToken ct);

    /// <summary>
    /// Records that <paramref name="legacyId"/> and <paramref name="v2Id"/> are one person (v2: <c>legacy_user_map</c>, and
    /// the legacy profile fills what the v2 row lacks, as the backfill would carry it; legacy: no-op).
    /// </summary>
    Task LinkAsync(long legacyId, Guid v2Id, UserProfile? profile, CancellationToken ct);
}
