using Microsoft.Extensions.DependencyInjection;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;

namespace Teski.Infrastructure.Stores;

/// <summary>
/// The one place the flags pick the primary store and the mirror (product-contract.md, "Stages").
/// Scoped: each request (and each mirror application) gets its own store instances and database contexts.
/// </summary>
public sealed class StoreRouter(MigrationFlags flags, IServiceProvider services) : IStoreRouter
{
    public MigrationFlags Flags { get; } = flags;

    public IStore Primary => Get(Flags.Primary);

    public IStore? Mirror => Flags.Mirror is { } kind ? Get(kind) : null;

    public IStore Get(StoreKind kind) => services.GetRequiredKeyedService<IStore>(kind);
}
