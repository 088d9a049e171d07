using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Teski.Testing;

/// <summary>
/// A throwaway PostgreSQL server started from the machine's own binaries (Debian's <c>postgresql</c> package):
/// <c>initdb</c> into a temp dir, <c>pg_ctl start</c> on a free loopback port, removed when the test process exits.
/// One server per test process; every test asks for its own fresh database with <see cref="CreateDatabaseAsync"/>.
/// It fails loudly when no server binaries exist: a PostgreSQL test that silently skips proves nothing.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _dbCounter;

    private readonly string _binDir;
    private readonly string _dataDir;
    private readonly bool _asPostgresUser;

    public int Port { get; }

    public string AdminConnectionString =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false;Timeout=15";

    public static PostgresServer Instance => Shared.Value;

    private PostgresServer(string binDir, string dataDir, int port, bool asPostgresUser)
    {
        _binDir = binDir;
        _dataDir = dataDir;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>A new empty database on the shared server; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _dbCounter)}_{Guid.NewGuid():N}"[..40].ToLowerInvariant();
        await using (var conn = new NpgsqlConnection(AdminConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return ConnectionStringFor(name);
    }

    public string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=15;Include Error Detail=true;" +
        // Hundreds of throwaway databases per run: idle pooled connections must not pile up to max_connections.
        "Connection Idle Lifetime=2;Connection Pruning Interval=1";

    /// <summary>Stops the server (fast shutdown) — used by tests that need the store to go away.</summary>
    public void Stop() => RunPgCtl("stop", "-m", "fast", "-w");

    /// <summary>Starts the server again after <see cref="Stop"/>.</summary>
    public void Restart() => RunPgCtl("start", "-w", "-t", "60", "-l", Path.Combine(_dataDir, "..", "server.log"),
        "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={Path.GetDirectoryName(_dataDir)} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=600");

    private static PostgresServer Start()
    {
        var binDir = FindBinDir() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries found (looked for initdb/pg_ctl under /usr/lib/postgresql/*/bin and on PATH). " +
            "Install Debian's 'postgresql' package (apt-get install -y postgresql); .ci/run does this on a fresh machine.");
        var asPostgresUser = Environment.UserName == "root";
        SweepLeftovers(binDir, asPostgresUser);
        var root = Path.Combine(Path.GetTempPath(), $"teski-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(root);
        var dataDir = Path.Combine(root, "data");
        if (asPostgresUser)
        {
            // initdb refuses to run as root; CI runs as root, so the cluster belongs to the postgres system user.
            Exec("chown", ["-R", "postgres:postgres", root]);
        }

        var server = new PostgresServer(binDir, dataDir, FreePort(), asPostgresUser);
        server.Run(Path.Combine(binDir, "initdb"), ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C"]);
        server.Restart();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAndRemove(server, root);
        return server;
    }

    /// <summary>
    /// Removes the clusters of earlier test processes that are gone. The ProcessExit cleanup below does not always run
    /// (the test host can be ended without it), and every cluster left behind kept its ~2 GB on disk until the machine
    /// ran out of space. A cluster's directory carries its owner's process id; a server still running there is stopped.
    /// </summary>
    private static void SweepLeftovers(string binDir, bool asPostgresUser)
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "teski-pg-*"))
        {
            var parts = Path.GetFileName(dir).Split('-');
            if (parts.Length < 4 || !int.TryParse(parts[2], out var pid) || pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }
            StopAndRemove(new PostgresServer(binDir, Path.Combine(dir, "data"), 0, asPostgresUser), dir);
        }
    }

    /// <summary>Stops the server of a cluster (if it runs) at once and deletes the cluster's directory, best effort.</summary>
    private static void StopAndRemove(PostgresServer server, string root)
    {
        try
        {
            if (File.Exists(Path.Combine(server._dataDir, "postmaster.pid")))
            {
                server.RunPgCtl("stop", "-m", "immediate", "-w");
            }
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void RunPgCtl(params string[] args) =>
        Run(Path.Combine(_binDir, "pg_ctl"), ["-D", _dataDir, .. args]);

    private void Run(string exe, string[] args)
    {
        if (_asPostgresUser)
        {
            Exec("runuser", ["-u", "postgres", "--", exe, .. args]);
        }
        else
        {
            Exec(exe, args);
        }
    }

    private static void Exec(string exe, string[] args)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {exe}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{exe} timed out");
        }
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{exe} {string.Join(' ', args)} exited {p.ExitCode}: {stdout.Result} {stderr.Result}");
        }
    }

    private static string? FindBinDir()
    {
        var fromEnv = Environment.GetEnvironmentVariable("TESKI_PG_BIN");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(Path.Combine(fromEnv, "pg_ctl")))
        {
            return fromEnv;
        }
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var best = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault();
            if (best is not null)
            {
                return best;
            }
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return dir;
            }
        }
        return null;
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
