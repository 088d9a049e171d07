using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.V2;

/// <summary>Builds the provider-specific <see cref="V2DbContext"/> for a <see cref="DatabaseUrl"/>.</summary>
public static class V2DbContextFactory
{
    /// <summary>A new context (the caller disposes it) on the provider <paramref name="url"/> names.</summary>
    public static V2DbContext Create(DatabaseUrl url) => url.Provider switch
    {
        DatabaseProvider.Sqlite => new SqliteV2DbContext(Configure(new DbContextOptionsBuilder<SqliteV2DbContext>(), url).Options),
        DatabaseProvider.Postgres => new PostgresV2DbContext(Configure(new DbContextOptionsBuilder<PostgresV2DbContext>(), url).Options),
        _ => throw new ArgumentOutOfRangeException(nameof(url), url.Provider, "unknown database provider"),
    };

    internal static TBuilder Configure<TBuilder>(TBuilder b, DatabaseUrl url)
        where TBuilder : DbContextOptionsBuilder
    {
        if (url.Provider == DatabaseProvider.Sqlite)
        {
            b.UseSqlite(url.ConnectionString);
        }
        else
        {
            b.UseNpgsql(url.ConnectionString, o => o.UseNodaTime());
        }
        return b;
    }
}

/// <summary>DI registration of the v2 store.</summary>
public static class V2StoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a pooled <see cref="IDbContextFactory{V2DbContext}"/> on the provider <paramref name="url"/> names
    /// (consumers never see which subclass they get) and the <see cref="V2StoreMigrator"/>.
    /// </summary>
    public static IServiceCollection AddV2Store(this IServiceCollection services, DatabaseUrl url)
    {
        switch (url.Provider)
        {
            case DatabaseProvider.Sqlite:
                services.AddPooledDbContextFactory<SqliteV2DbContext>(o => V2DbContextFactory.Configure(o, url));
                services.AddSingleton<IDbContextFactory<V2DbContext>>(sp =>
                    new V2DbContextFactoryAdapter<SqliteV2DbContext>(sp.GetRequiredService<IDbContextFactory<SqliteV2DbContext>>()));
                break;
            case DatabaseProvider.Postgres:
                services.AddPooledDbContextFactory<PostgresV2DbContext>(o => V2DbContextFactory.Configure(o, url));
                services.AddSingleton<IDbContextFactory<V2DbContext>>(sp =>
                    new V2DbContextFactoryAdapter<PostgresV2DbContext>(sp.GetRequiredService<IDbContextFactory<PostgresV2DbContext>>()));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(url), url.Provider, "unknown database provider");
        }
        services.AddSingleton<V2StoreMigrator>();
        return services;
    }

    private sealed class V2DbContextFactoryAdapter<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<V2DbContext>
        where TContext : V2DbContext
    {
        public V2DbContext CreateDbContext() => inner.CreateDbContext();
    }
}
