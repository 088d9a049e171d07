using System.Threading.Channels;

namespace Teski.Application.Common.Mirroring;

/// <summary>
/// Hands the streams of a just-committed write to the background mirror workers, so the request answers as soon as
/// its primary transaction commits and the mirror copy follows within about 50 ms, off the request path. Only a
/// running <see cref="MirrorBackgroundService"/> listens; without one (tests composing the application alone, the
/// operator CLI) <see cref="Behaviors.DualWriteBehavior{TMessage, TResponse}"/> mirrors inline instead. A signal is a
/// hint, never the record: the record is durable in the primary's backlog, and the periodic pass applies anything a
/// lost or dropped signal leaves behind.
/// </summary>
public sealed class MirrorWakeup
{
    /// <summary>Signals held at most; beyond that a signal is dropped and its record waits for the periodic pass.</summary>
    public const int Capacity = 10_000;

    private readonly Channel<string> _streams = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = false,
        SingleWriter = false,
    });

    /// <summary>
    /// Backpressure: with more signals than this waiting for a worker, the mirror is falling behind the requests (a
    /// saturating load), and a write applies its own mirror copy inline again, so the lag stays bounded (the backlog a
    /// load leaves behind drains in about a second) instead of growing for as long as the load lasts. Well above
    /// what the worker's coalescing window gathers at a normal rate (<see cref="MirrorBackgroundService.CoalesceWindow"/>:
    /// 50 signals at 1,000 writes/s), so waiting for a batch is not mistaken for falling behind.
    /// </summary>
    public const int InlineAbove = 512;

    private int _listeners;

    /// <summary>Whether background workers are running to take signals.</summary>
    public bool HasListener => Volatile.Read(ref _listeners) > 0;

    /// <summary>The signalled streams, for the workers that apply them.</summary>
    public ChannelReader<string> Signals => _streams.Reader;

    /// <summary>Whether a write should hand its mirror copy to the workers: they run, and they keep up.</summary>
    public bool ShouldSignal => HasListener && _streams.Reader.Count <= InlineAbove;

    /// <summary>Asks the workers to apply <paramref name="stream"/>'s pending records; false when nobody listens or the queue is full.</summary>
    public bool TrySignal(string stream) => HasListener && _streams.Writer.TryWrite(stream);

    /// <summary>Marks a listener present (writes stop mirroring inline) until the returned handle is disposed.</summary>
    public IDisposable Listen()
    {
        Interlocked.Increment(ref _listeners);
        return new Listener(this);
    }

    private sealed class Listener(MirrorWakeup owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._listeners);
            }
        }
    }
}
