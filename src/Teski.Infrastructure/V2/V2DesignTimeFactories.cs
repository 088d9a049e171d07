using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Teski.Infrastructure.V2;

/// <summary>Lets <c>dotnet ef migrations add --context SqliteV2DbContext</c> build the SQLite model (no database is opened).</summary>
public sealed class SqliteV2DesignTimeFactory : IDesignTimeDbContextFactory<SqliteV2DbContext>
{
    public SqliteV2DbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteV2DbContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>Lets <c>dotnet ef migrations add --context PostgresV2DbContext</c> build the PostgreSQL model (no server is contacted).</summary>
public sealed class PostgresV2DesignTimeFactory : IDesignTimeDbContextFactory<PostgresV2DbContext>
{
    public PostgresV2DbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresV2DbContext>()
            .UseNpgsql("Host=localhost;Database=design_time", o => o.UseNodaTime())
            .Options);
}
