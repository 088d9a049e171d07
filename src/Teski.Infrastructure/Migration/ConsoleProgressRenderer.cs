using System.Diagnostics;
using System.Globalization;

namespace Teski.Infrastructure.Migration;

/// <summary>
/// Renders <see cref="BackfillProgress"/> on stderr: a redrawn bar on a terminal, plain timestamped lines when
/// stderr is redirected (logs, CI), at most one per <see cref="PlainInterval"/> per entity plus each entity's last.
/// Plain ANSI/carriage-return drawing: Spectre.Console is not among the central package versions this
/// component may change, and a single bar needs nothing more.
/// </summary>
public sealed class ConsoleProgressRenderer : IProgress<BackfillProgress>
{
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private readonly object _gate = new();
    private string? _entity;
    private BackfillProgress? _last;

    public TimeSpan PlainInterval { get; init; } = TimeSpan.FromSeconds(2);

    public ConsoleProgressRenderer(TextWriter? output = null, bool? interactive = null)
    {
        _out = output ?? Console.Error;
        _interactive = interactive ?? !Console.IsErrorRedirected;
    }

    public void Report(BackfillProgress value)
    {
        lock (_gate)
        {
            if (_entity is not null && _entity != value.Entity)
            {
                EndEntity();
            }
            _entity = value.Entity;
            _last = value;
            if (_interactive)
            {
                _out.Write("\r" + Bar(value, 30) + "\u001b[K");
                _out.Flush();
            }
            else if (_sinceLine.Elapsed >= PlainInterval || value.Done == 0)
            {
                _out.WriteLine(Line(value));
                _sinceLine.Restart();
            }
        }
    }

    /// <summary>Finishes the current line; call once the run is over.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            EndEntity();
            _entity = null;
        }
    }

    private void EndEntity()
    {
        if (_last is null)
        {
            return;
        }
        if (_interactive)
        {
            _out.WriteLine();
        }
        else
        {
            _out.WriteLine(Line(_last) + " done");
        }
        _last = null;
    }

    public static string Line(BackfillProgress p) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:HH:mm:ss} backfill {p.Entity}: {p.Done}{(p.Total is { } t ? "/" + t.ToString(CultureInfo.InvariantCulture) : "")} ({p.RowsPerSecond:0}/s)");

    public static string Bar(BackfillProgress p, int width)
    {
        var fraction = p.Total is > 0 ? Math.Clamp((double)p.Done / p.Total.Value, 0, 1) : 0;
        var filled = (int)Math.Round(fraction * width);
        var bar = new string('█', filled) + new string('░', width - filled);
        return string.Create(CultureInfo.InvariantCulture,
            $"{p.Entity,-10} {bar} {fraction * 100,5:0.0}% {p.Done,10}/{p.Total?.ToString(CultureInfo.InvariantCulture) ?? "?"} {p.RowsPerSecond,9:0}/s");
    }
}
