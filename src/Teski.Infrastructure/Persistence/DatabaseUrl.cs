using Microsoft.Data.Sqlite;
using Npgsql;

namespace Teski.Infrastructure.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A store location as operators write it: the URL forms the previous Python stacks used
/// (<c>sqlite:///relative</c>, <c>sqlite:////abs</c>, <c>sqlite+aiosqlite://</c>, <c>postgresql://</c>,
/// <c>postgresql+asyncpg://</c>, <c>postgres://</c>) or a plain ADO.NET connection string.
/// </summary>
public sealed record DatabaseUrl(DatabaseProvider Provider, string ConnectionString)
{
    /// <summary>
    /// PostgreSQL connections prepare the statements they run repeatedly (Npgsql automatic preparation: a statement
    /// seen <c>Auto Prepare Min Usages</c> times, 5 by default, is prepared on the server, up to this many per
    /// connection). The per-request statements are parsed and planned once per connection instead of on every call,
    /// which halves the database's CPU per request (ADR 0008). A connection string that names
    /// <c>Max Auto Prepare</c> keeps its own value (<c>Max Auto Prepare=0</c> turns it off, e.g. behind a
    /// transaction-pooling PgBouncer).
    /// </summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>
    /// PostgreSQL pools keep this many connections open however long the service idles (Npgsql's
    /// <c>Minimum Pool Size</c>; its default, 0, lets the pool close every connection that stayed idle through its
    /// five-minute sampling window). After a quiet spell the first requests otherwise open new connections; on the
    /// two-core box of docs/benchmarks.md that round's thread pool grew from 6 to 11 threads and every request of the
    /// next 15 s was slower (review p99 57 and 67 ms in two runs without the minimum, 24, 30 and 27 ms in three with it;
    /// the thread pool still grows after other idle spells: ADR 0008 addendum). Npgsql opens them on demand, not at start, so a CLI verb still opens only what it uses. A
    /// connection string that names <c>Minimum Pool Size</c> keeps its own value.
    /// </summary>
    public const int DefaultMinPoolSize = 8;

    /// <summary>For SQLite, the database file path; null for PostgreSQL.</summary>
    public string? SqlitePath => Provider == DatabaseProvider.Sqlite
        ? new SqliteConnectionStringBuilder(ConnectionString).DataSource
        : null;

    /// <summary>Parses <paramref name="value"/>; a malformed value throws <see cref="ConfigurationException"/> naming <paramref name="variable"/>.</summary>
    public static DatabaseUrl Parse(string variable, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ConfigurationException(variable, "is empty");
        }
        value = value.Trim();
        try
        {
            var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
            if (schemeEnd > 0)
            {
                var scheme = value[..schemeEnd].ToLowerInvariant();
                var dialect = scheme.Split('+')[0];
                return dialect switch
                {
                    "sqlite" => FromSqliteUrl(variable, value[(schemeEnd + 3)..]),
                    "postgresql" or "postgres" => FromPostgresUrl(variable, value),
                    _ => throw new ConfigurationException(variable, $"has an unsupported scheme '{scheme}' (use sqlite:/// or postgresql://)"),
                };
            }
            if (value.Contains("Host=", StringComparison.OrdinalIgnoreCase) || value.Contains("Server=", StringComparison.OrdinalIgnoreCase))
            {
                var b = new NpgsqlConnectionStringBuilder(value);
                if (string.IsNullOrEmpty(b.Host))
                {
                    throw new ConfigurationException(variable, "names no Host");
                }
                // Our defaults apply unless the string names the keyword: an explicit value (0 or false included) is
                // the operator's choice.
                var compact = value.Replace(" ", "", StringComparison.Ordinal);
                if (!compact.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
                {
                    b.MaxAutoPrepare = DefaultMaxAutoPrepare;
                }
                if (!compact.Contains("NoResetOnClose", StringComparison.OrdinalIgnoreCase))
                {
                    b.NoResetOnClose = true;
                }
                if (!compact.Contains("MinimumPoolSize", StringComparison.OrdinalIgnoreCase) && !compact.Contains("MinPoolSize", StringComparison.OrdinalIgnoreCase))
                {
                    b.MinPoolSize = Math.Min(DefaultMinPoolSize, b.MaxPoolSize);
                }
                else if (b.MinPoolSize > b.MaxPoolSize)
                {
                    // Npgsql accepts the string and refuses it only at the first connection; say so at start instead.
                    throw new ConfigurationException(variable, $"names a Minimum Pool Size ({b.MinPoolSize}) above its Maximum Pool Size ({b.MaxPoolSize})");
                }
                return new DatabaseUrl(DatabaseProvider.Postgres, b.ConnectionString);
            }
            if (value.Contains("Data Source=", StringComparison.OrdinalIgnoreCase) || value.Contains("DataSource=", StringComparison.OrdinalIgnoreCase) || value.Contains("Filename=", StringComparison.OrdinalIgnoreCase))
            {
                var b = new SqliteConnectionStringBuilder(value);
                if (string.IsNullOrEmpty(b.DataSource))
                {
                    throw new ConfigurationException(variable, "names no Data Source");
                }
                return new DatabaseUrl(DatabaseProvider.Sqlite, b.ConnectionString);
            }
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException(variable, "is not a valid connection string: " + ex.Message);
        }
        catch (FormatException ex)
        {
            throw new ConfigurationException(variable, "is not a valid connection string: " + ex.Message);
        }
        throw new ConfigurationException(variable, "is neither a database URL (sqlite:///path, postgresql://user:pass@host:port/db) nor a connection string");
    }

    private static DatabaseUrl FromSqliteUrl(string variable, string rest)
    {
        // SQLAlchemy: sqlite:///relative/path and sqlite:////absolute/path; the part after "://" is "/" + path.
        if (!rest.StartsWith('/'))
        {
            throw new ConfigurationException(variable, "must look like sqlite:///relative/path or sqlite:////absolute/path");
        }
        var path = rest[1..];
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            path = path[..query];
        }
        if (path.Length == 0)
        {
            throw new ConfigurationException(variable, "names no database file");
        }
        if (path == ":memory:")
        {
            throw new ConfigurationException(variable, "is an in-memory database; the stores must be files");
        }
        var b = new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(path) };
        return new DatabaseUrl(DatabaseProvider.Sqlite, b.ConnectionString);
    }

    private static DatabaseUrl FromPostgresUrl(string variable, string value)
    {
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (!Uri.TryCreate("postgresql" + value[schemeEnd..], UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ConfigurationException(variable, "is not a valid postgresql://user:pass@host:port/db URL");
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0)
        {
            throw new ConfigurationException(variable, "names no database (postgresql://user:pass@host:port/DATABASE)");
        }
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = database,
            MaxAutoPrepare = DefaultMaxAutoPrepare,
            NoResetOnClose = true,
            MinPoolSize = DefaultMinPoolSize,
        };
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                b.Password = Uri.UnescapeDataString(parts[1]);
            }
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (kv.Length == 2 && kv[0].Equals("sslmode", StringComparison.OrdinalIgnoreCase) && Enum.TryParse<SslMode>(kv[1], true, out var ssl))
            {
                b.SslMode = ssl;
            }
        }
        return new DatabaseUrl(DatabaseProvider.Postgres, b.ConnectionString);
    }

    public override string ToString() => Provider == DatabaseProvider.Sqlite
        ? $"sqlite:///{SqlitePath}"
        : Redacted();

    private string Redacted()
    {
        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"postgresql://{b.Username}@{b.Host}:{b.Port}/{b.Database}";
    }
}

/// <summary>A configuration value that cannot be used; the message names the variable. Exit code 2 / startup failure.</summary>
public sealed class ConfigurationException(string variable, string problem)
    : Exception($"{variable} {problem}")
{
    public string Variable { get; } = variable;
}
