using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using NodaTime;
using Teski.Domain.Persona;
using Teski.Infrastructure.Legacy;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.V2;

namespace Teski.Infrastructure.Stores;

/// <summary>Where the two stores are (from <c>TESKI_LEGACY_DB_URL</c> / <c>TESKI_ASYNC_DB_URL</c>).</summary>
public sealed record StoreLocations(DatabaseUrl Legacy, DatabaseUrl V2);

/// <summary>
/// What the service does before it listens (and what <c>db migrate</c> does for v2): legacy tables only in a
/// brand-new empty database (never altered otherwise), the project's own support tables in the legacy store, the
/// default personas when the personas table is empty, and the v2 migrations (adopting a previous-stack database).
/// </summary>
public sealed class StoreInitializer(StoreLocations locations, V2StoreMigrator migrator, IClock clock, ILogger<StoreInitializer> logger)
{
    public async Task InitializeAsync(CancellationToken ct)
    {
        await InitializeLegacyAsync(ct);
        var report = await migrator.MigrateAsync(locations.V2, ct);
        if (report.Adopted || report.MigrationsApplied.Count > 0)
        {
            logger.LogInformation("v2 store {Store}: adopted={Adopted}, applied {Migrations}", locations.V2, report.Adopted, string.Join(", ", report.MigrationsApplied));
        }
    }

    public async Task InitializeLegacyAsync(CancellationToken ct)
    {
        EnsureSqliteDirectory(locations.Legacy);
        if (await LegacySchema.CreateIfEmptyAsync(locations.Legacy, ct))
        {
            logger.LogInformation("legacy store {Store}: new database, legacy tables created", locations.Legacy);
        }
        await LegacySchema.EnsureSupportTablesAsync(locations.Legacy, ct);
        await SeedPersonasAsync(ct);
    }

    private async Task SeedPersonasAsync(CancellationToken ct)
    {
        await using var db = await LegacyDbContextFactory.CreateAsync(locations.Legacy, ct);
        if (await db.Personas.AnyAsync(ct))
        {
            return;
        }
        var now = clock.GetCurrentInstant();
        foreach (var persona in DefaultPersonas.All)
        {
            db.Personas.Add(new LegacyPersonaRow { Code = persona.Code, DisplayName = persona.DisplayName, Config = persona.ConfigJson, CreatedAt = now });
        }
        await db.SaveChangesAsync(ct);
        logger.LogInformation("legacy store: seeded {Count} default personas", DefaultPersonas.All.Count);
    }

    private static void EnsureSqliteDirectory(DatabaseUrl url)
    {
        if (url.Provider == DatabaseProvider.Sqlite && Path.GetDirectoryName(Path.GetFullPath(new SqliteConnectionStringBuilder(url.ConnectionString).DataSource)) is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
        }
    }
}
