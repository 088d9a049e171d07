using System.Diagnostics;
using System.Text;

namespace Teski.Testing.Migration;

/// <summary>
/// The built <c>Teski.Api.dll</c> run as a real child process (<c>dotnet Teski.Api.dll …</c>), for tests that need a
/// real process boundary (a kill). Nothing is built here: <c>./test.sh</c> builds the whole solution first, so the
/// DLL is found under <c>src/Teski.Api/bin/{Release,Debug}/net10.0/</c> relative to the repository root.
/// </summary>
public sealed class TeskiCliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();

    private TeskiCliProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_out)
            {
                return _out.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_err)
            {
                return _err.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// The newest built <c>Teski.Api.dll</c> (the test's own configuration preferred); throws with a clear message
    /// when there is none — a process test that silently skips proves nothing.
    /// </summary>
    public static string FindApiDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Teski.sln")))
        {
            dir = dir.Parent;
        }
        if (dir is null)
        {
            throw new InvalidOperationException($"Teski.sln not found above {AppContext.BaseDirectory}: cannot locate the repository root.");
        }
#if DEBUG
        string[] configs = ["Debug", "Release"];
#else
        string[] configs = ["Release", "Debug"];
#endif
        var candidates = configs.Select(c => Path.Combine(dir.FullName, "src", "Teski.Api", "bin", c, "net10.0", "Teski.Api.dll")).ToList();
        return candidates.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
            "Teski.Api.dll is not built (looked for " + string.Join(" and ", candidates) + "). " +
            "Build the solution first: ./test.sh does (dotnet build Teski.sln -c Release), or run `dotnet build src/Teski.Api`.");
    }

    /// <summary>Starts <c>dotnet Teski.Api.dll <paramref name="args"/></c> with <paramref name="env"/> added to the environment; output is captured.</summary>
    public static TeskiCliProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string> env)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        psi.ArgumentList.Add(FindApiDll());
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }
        var p = new Process { StartInfo = psi };
        var cli = new TeskiCliProcess(p);
        p.OutputDataReceived += (_, e) => Append(cli._out, e.Data);
        p.ErrorDataReceived += (_, e) => Append(cli._err, e.Data);
        if (!p.Start())
        {
            throw new InvalidOperationException("could not start dotnet");
        }
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return cli;
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (sb)
        {
            sb.AppendLine(line);
        }
    }

    /// <summary>Waits for the exit; kills the process tree and throws on <paramref name="timeout"/>.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"teski did not finish within {timeout}: {Error}");
        }
        // Flush the asynchronous output readers.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>A real kill (SIGKILL on Unix) of the process and its children; no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
