using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;

namespace Teski.Application.Common.ShadowReads;

/// <summary>
/// The router of a shadow scope: the mirror answers as <see cref="Primary"/> and there is no mirror, so a handler
/// run here reads the other store with the same code and can never start a mirror write of its own.
/// </summary>
public sealed class MirrorAsPrimaryRouter(IStoreRouter inner) : IStoreRouter
{
    public MigrationFlags Flags => inner.Flags;

    public IStore Primary => inner.Mirror ?? throw new InvalidOperationException("a shadow read needs a mirror store");

    public IStore? Mirror => null;

    public IStore Get(StoreKind kind) => inner.Get(kind);

    /// <summary>The composition root wraps the real router with this: the scope decides which one handlers see.</summary>
    public static IStoreRouter For(ShadowReadScope scope, IStoreRouter inner) => scope.IsShadow ? new MirrorAsPrimaryRouter(inner) : inner;
}
