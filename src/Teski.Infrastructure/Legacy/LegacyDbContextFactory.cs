using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Legacy;

/// <summary>Builds <see cref="LegacyDbContext"/>s for a store URL.</summary>
public static class LegacyDbContextFactory
{
    /// <summary>A context for <paramref name="url"/>; <paramref name="hasErrorSubtype"/> from <see cref="LegacySchema.DetectErrorSubtypeAsync"/>.</summary>
    public static LegacyDbContext Create(DatabaseUrl url, bool hasErrorSubtype)
    {
        var builder = new DbContextOptionsBuilder<LegacyDbContext>();
        Configure(builder, url, hasErrorSubtype);
        return new LegacyDbContext(builder.Options);
    }

    /// <summary>Detects the <c>error_subtype</c> column, then builds a context.</summary>
    public static async Task<LegacyDbContext> CreateAsync(DatabaseUrl url, CancellationToken ct = default) =>
        Create(url, await LegacySchema.DetectErrorSubtypeAsync(url, ct));

    /// <summary>Provider, NodaTime support on PostgreSQL, and the model flag.</summary>
    public static void Configure(DbContextOptionsBuilder builder, DatabaseUrl url, bool hasErrorSubtype)
    {
        if (url.Provider == DatabaseProvider.Sqlite)
        {
            builder.UseSqlite(LegacySchema.SqliteConnectionString(url));
        }
        else
        {
            builder.UseNpgsql(url.ConnectionString, o => o.UseNodaTime());
        }
        builder.ReplaceService<IModelCacheKeyFactory, LegacyModelCacheKeyFactory>();
        ((IDbContextOptionsBuilderInfrastructure)builder).AddOrUpdateExtension(new LegacyModelOptionsExtension(hasErrorSubtype));
    }
}

public static class LegacyStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a pooled <see cref="IDbContextFactory{LegacyDbContext}"/> for the legacy store. The
    /// <c>error_subtype</c> column is detected once, when the factory is first resolved: run
    /// <see cref="LegacySchema.CreateIfEmptyAsync"/> / <see cref="LegacySchema.EnsureSupportTablesAsync"/> before that.
    /// The legacy schema is fixed for the process lifetime, so detection is not repeated.
    /// </summary>
    public static IServiceCollection AddLegacyStore(this IServiceCollection services, DatabaseUrl url)
    {
        services.AddPooledDbContextFactory<LegacyDbContext>((_, builder) =>
        {
            // Sync over async once at first resolve: EF's options callback is synchronous and this is startup-only I/O.
            var hasErrorSubtype = LegacySchema.DetectErrorSubtypeAsync(url).GetAwaiter().GetResult();
            LegacyDbContextFactory.Configure(builder, url, hasErrorSubtype);
        });
        return services;
    }
}
