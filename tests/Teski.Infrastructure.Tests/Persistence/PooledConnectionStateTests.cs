using Npgsql;
using Teski.Infrastructure.Persistence;
using Teski.Testing;
using Teski.Testing.Migration;

namespace Teski.Infrastructure.Tests.Persistence;

/// <summary>
/// PostgreSQL connections skip Npgsql's reset statements when they go back to the pool (<c>No Reset On Close</c>,
/// ADR 0008). What this code relies on instead, checked on a real server: a connection returned in the middle of a
/// transaction comes back out of the pool with that transaction rolled back and its transaction-scoped advisory locks
/// released (the only session state the service takes on pooled connections; the migrator's session lock has its own
/// unpooled connection).
/// </summary>
public class PooledConnectionStateTests
{
    [Fact]
    public async Task A_connection_returned_inside_a_transaction_comes_back_rolled_back_with_its_locks_released()
    {
        var admin = await PostgresServer.Instance.CreateDatabaseAsync("reset");
        var url = DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", admin);
        var b = new NpgsqlConnectionStringBuilder(url.ConnectionString) { MaxPoolSize = 1, MinPoolSize = 1 };
        b.NoResetOnClose.Should().BeTrue("the service's connection strings skip the reset");
        await using (var setup = new NpgsqlConnection(admin))
        {
            await setup.OpenAsync();
            await SchemaForTests.ExecAsync(setup, "CREATE TABLE t (x int)");
        }

        int firstPid;
        await using (var conn = new NpgsqlConnection(b.ConnectionString))
        {
            await conn.OpenAsync();
            firstPid = await Scalar<int>(conn, "SELECT pg_backend_pid()");
            await using var tx = await conn.BeginTransactionAsync();
            await SchemaForTests.ExecAsync(conn, "SELECT pg_advisory_xact_lock(42); INSERT INTO t VALUES (1)");
            // Closed (back to the pool) without a commit or a rollback.
        }

        await using (var again = new NpgsqlConnection(b.ConnectionString))
        {
            await again.OpenAsync();
            (await Scalar<int>(again, "SELECT pg_backend_pid()")).Should().Be(firstPid, "the pool of one hands back the same session");
            (await Scalar<long>(again, "SELECT count(*) FROM t")).Should().Be(0, "the open transaction was rolled back");
            (await Scalar<bool>(again, "SELECT txid_current_if_assigned() IS NULL")).Should().BeTrue("no transaction is open");
        }
        await using var other = new NpgsqlConnection(admin + ";Pooling=false");
        await other.OpenAsync();
        (await Scalar<bool>(other, "SELECT pg_try_advisory_lock(42)")).Should().BeTrue("the transaction's advisory lock was released");
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
