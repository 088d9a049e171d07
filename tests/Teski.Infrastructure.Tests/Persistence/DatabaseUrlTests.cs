using Npgsql;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Tests.Persistence;

/// <summary>The URL forms the previous stacks used, and plain connection strings (product-contract.md, "Configuration").</summary>
public class DatabaseUrlTests
{
    [Theory]
    [InlineData("sqlite:///./data/app.db", "data/app.db")]
    [InlineData("sqlite+aiosqlite:///./data/teski_v2.db", "data/teski_v2.db")]
    [InlineData("sqlite:////var/lib/teski/app.db", "/var/lib/teski/app.db")]
    [InlineData("Data Source=/tmp/x.db", "/tmp/x.db")]
    public void Sqlite_forms(string url, string pathEnd)
    {
        var parsed = DatabaseUrl.Parse("TESKI_LEGACY_DB_URL", url);

        parsed.Provider.Should().Be(DatabaseProvider.Sqlite);
        parsed.SqlitePath.Should().EndWith(pathEnd);
        Path.IsPathRooted(parsed.SqlitePath).Should().BeTrue();
    }

    [Theory]
    [InlineData("postgresql://teski:s%40cret@db.internal:6543/memory")]
    [InlineData("postgresql+asyncpg://teski:s%40cret@db.internal:6543/memory")]
    [InlineData("postgres://teski:s%40cret@db.internal:6543/memory")]
    [InlineData("Host=db.internal;Port=6543;Database=memory;Username=teski;Password=s@cret")]
    public void Postgres_forms(string url)
    {
        var parsed = DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", url);

        parsed.Provider.Should().Be(DatabaseProvider.Postgres);
        var b = new NpgsqlConnectionStringBuilder(parsed.ConnectionString);
        (b.Host, b.Port, b.Database, b.Username, b.Password).Should().Be(("db.internal", 6543, "memory", "teski", "s@cret"));
        parsed.ToString().Should().NotContain("s@cret", "the password is never printed");
        b.MaxAutoPrepare.Should().Be(DatabaseUrl.DefaultMaxAutoPrepare, "hot statements are prepared unless the operator says otherwise");
        b.NoResetOnClose.Should().BeTrue("a pooled connection skips the reset statements unless the operator says otherwise");
        b.MinPoolSize.Should().Be(DatabaseUrl.DefaultMinPoolSize, "the pool stays warm through a quiet spell unless the operator says otherwise");
    }

    [Theory]
    [InlineData("Host=db;Database=memory;Minimum Pool Size=0", 0)]
    [InlineData("Host=db;Database=memory;MinPoolSize=2", 2)]
    [InlineData("Host=db;Database=memory;Maximum Pool Size=4", 4)]
    public void An_explicit_pool_size_is_kept(string value, int expectedMin)
    {
        var parsed = DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", value);

        var b = new NpgsqlConnectionStringBuilder(parsed.ConnectionString);
        b.MinPoolSize.Should().Be(expectedMin, "a named minimum is the operator's, and the default never exceeds a named maximum");
        b.MinPoolSize.Should().BeLessThanOrEqualTo(b.MaxPoolSize);
    }

    [Theory]
    [InlineData("Host=db;Database=memory;Minimum Pool Size=20;Maximum Pool Size=10")]
    [InlineData("Host=db;Database=memory;MinPoolSize=101")]
    public void A_named_minimum_pool_size_above_the_maximum_is_refused_at_start(string value)
    {
        var act = () => DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", value);

        act.Should().Throw<ConfigurationException>()
            .Which.Message.Should().Contain("TESKI_ASYNC_DB_URL").And.Contain("Minimum Pool Size").And.Contain("Maximum Pool Size");
    }

    [Theory]
    [InlineData("Host=db;Database=memory;No Reset On Close=false")]
    [InlineData("Host=db;Database=memory;NoResetOnClose=false")]
    public void An_explicit_no_reset_on_close_is_kept(string value)
    {
        var parsed = DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", value);

        new NpgsqlConnectionStringBuilder(parsed.ConnectionString).NoResetOnClose.Should().BeFalse();
    }

    [Theory]
    [InlineData("Host=db;Database=memory;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;Database=memory;MaxAutoPrepare=8", 8)]
    [InlineData("Host=db;Database=memory;max auto prepare=200", 200)]
    public void An_explicit_max_auto_prepare_is_kept(string value, int expected)
    {
        var parsed = DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", value);

        new NpgsqlConnectionStringBuilder(parsed.ConnectionString).MaxAutoPrepare.Should().Be(expected);
    }

    [Theory]
    [InlineData("mysql://u@h/db", "unsupported scheme")]
    [InlineData("postgresql://u@h:5432/", "names no database")]
    [InlineData("sqlite://relative.db", "sqlite:///relative/path")]
    [InlineData("sqlite:///:memory:", "in-memory")]
    [InlineData("just some words", "neither a database URL")]
    [InlineData("", "is empty")]
    public void Malformed_values_name_the_variable(string url, string problem)
    {
        var act = () => DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", url);

        act.Should().Throw<ConfigurationException>()
            .Where(e => e.Variable == "TESKI_ASYNC_DB_URL" && e.Message.StartsWith("TESKI_ASYNC_DB_URL ", StringComparison.Ordinal) && e.Message.Contains(problem));
    }
}
