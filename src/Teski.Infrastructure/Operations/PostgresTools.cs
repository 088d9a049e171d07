using System.Diagnostics;
using Npgsql;

namespace Teski.Infrastructure.Operations;

/// <summary>The PostgreSQL client programs (<c>pg_dump</c>, <c>pg_restore</c>), found as the test fixture finds the server's.</summary>
internal static class PostgresTools
{
    /// <summary><c>TESKI_PG_BIN</c>, else the newest <c>/usr/lib/postgresql/*/bin</c> (Debian), else the bare name on PATH.</summary>
    public static string Find(string program)
    {
        var fromEnv = Environment.GetEnvironmentVariable("TESKI_PG_BIN");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(Path.Combine(fromEnv, program)))
        {
            return Path.Combine(fromEnv, program);
        }
        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var best = Directory.GetDirectories(debian)
                .Select(d => (Dir: d, Version: double.TryParse(Path.GetFileName(d), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0))
                .OrderByDescending(x => x.Version)
                .Select(x => Path.Combine(x.Dir, "bin", program))
                .FirstOrDefault(File.Exists);
            if (best is not null)
            {
                return best;
            }
        }
        return program;
    }

    /// <summary>Runs a client program against <paramref name="target"/> (connection passed as libpq environment, password never on the command line).</summary>
    public static async Task RunAsync(string program, NpgsqlConnectionStringBuilder target, IEnumerable<string> args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Find(program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["PGHOST"] = target.Host;
        psi.Environment["PGPORT"] = target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["PGDATABASE"] = target.Database;
        if (!string.IsNullOrEmpty(target.Username))
        {
            psi.Environment["PGUSER"] = target.Username;
        }
        if (!string.IsNullOrEmpty(target.Password))
        {
            psi.Environment["PGPASSWORD"] = target.Password;
        }
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"{program} not found (install the PostgreSQL client, or set TESKI_PG_BIN): {ex.Message}", ex);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{program} exited {process.ExitCode}: {(await stderr).Trim()} {(await stdout).Trim()}".Trim());
            }
        }
    }
}
