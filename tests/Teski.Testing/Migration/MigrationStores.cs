using System.Data.Common;
using System.Globalization;
using Teski.Infrastructure.Persistence;

namespace Teski.Testing.Migration;

/// <summary>A legacy store and a v2 store for one migration test, SQLite files or fresh PostgreSQL databases.</summary>
public sealed class MigrationStores : IAsyncDisposable
{
    public required DbConnection Legacy { get; init; }
    public required DbConnection V2 { get; init; }
    public required DatabaseUrl LegacyUrl { get; init; }
    public required DatabaseUrl V2Url { get; init; }
    public required string V2Kind { get; init; }

    /// <param name="legacyKind">"sqlite" or "pg".</param>
    /// <param name="v2Kind">"sqlite" or "pg".</param>
    public static async Task<MigrationStores> CreateAsync(string legacyKind, string v2Kind, bool withErrorSubtype = true, bool legacyRowLink = false)
    {
        var dir = new TempDir();
        var legacyCs = await ConnectionStringAsync(legacyKind, dir, "app.db");
        var v2Cs = await ConnectionStringAsync(v2Kind, dir, "teski_v2.db");
        var legacy = await SchemaForTests.OpenAsync(legacyCs);
        await SchemaForTests.CreateLegacyAsync(legacy, withErrorSubtype, legacyRowLink);
        var v2 = await SchemaForTests.OpenAsync(v2Cs);
        await SchemaForTests.CreateV2Async(v2);
        return new MigrationStores
        {
            Legacy = legacy,
            V2 = v2,
            LegacyUrl = DatabaseUrl.Parse("TESKI_LEGACY_DB_URL", legacyCs),
            V2Url = DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", v2Cs),
            V2Kind = v2Kind,
        }.WithDir(dir);
    }

    /// <summary>Another empty v2 store of the same kind (to compare a second run against).</summary>
    public async Task<(DbConnection Conn, DatabaseUrl Url)> NewV2Async()
    {
        var cs = await ConnectionStringAsync(V2Kind, _extra, $"v2-{Guid.NewGuid():N}.db");
        var conn = await SchemaForTests.OpenAsync(cs);
        await SchemaForTests.CreateV2Async(conn);
        _others.Add(conn);
        return (conn, DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", cs));
    }

    private readonly List<DbConnection> _others = [];
    private TempDir _extra = null!;

    private MigrationStores WithDir(TempDir dir)
    {
        _extra = dir;
        return this;
    }

    private static async Task<string> ConnectionStringAsync(string kind, TempDir dir, string file) => kind switch
    {
        "sqlite" => $"Data Source={dir.File(file)};Pooling=false",
        "pg" => await PostgresServer.Instance.CreateDatabaseAsync("mig"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public async Task<long> CountAsync(DbConnection conn, string sqlOrTable)
    {
        var sql = sqlOrTable.Contains(' ', StringComparison.Ordinal) ? sqlOrTable : $"SELECT count(*) FROM \"{sqlOrTable}\"";
        return Convert.ToInt64(await ScalarAsync(conn, sql), CultureInfo.InvariantCulture);
    }

    public static async Task<object?> ScalarAsync(DbConnection conn, string sql)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        var r = await cmd.ExecuteScalarAsync();
        return r is DBNull ? null : r;
    }

    /// <summary>A uuid as the v2 store spells it in SQL literals.</summary>
    public string Uuid(Guid id) => V2Kind == "pg" ? $"'{id:D}'::uuid" : $"'{id:N}'";

    public async ValueTask DisposeAsync()
    {
        await Legacy.DisposeAsync();
        await V2.DisposeAsync();
        foreach (var c in _others)
        {
            await c.DisposeAsync();
        }
        _extra.Dispose();
    }
}
