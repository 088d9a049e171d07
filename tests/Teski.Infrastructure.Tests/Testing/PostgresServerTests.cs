using Npgsql;
using Teski.Testing;

namespace Teski.Infrastructure.Tests.Testing;

public class PostgresServerTests
{
    [Fact]
    public async Task Throwaway_server_gives_each_test_its_own_database()
    {
        var a = await PostgresServer.Instance.CreateDatabaseAsync();
        var b = await PostgresServer.Instance.CreateDatabaseAsync();
        a.Should().NotBe(b);

        await using var conn = new NpgsqlConnection(a);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select current_database(), version()", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        a.Should().Contain(reader.GetString(0));
        reader.GetString(1).Should().StartWith("PostgreSQL");
    }
}
