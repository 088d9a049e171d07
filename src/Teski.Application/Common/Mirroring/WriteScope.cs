namespace Teski.Application.Common.Mirroring;

/// <summary>Marks a request that writes: it runs inside the dual-write behaviour's transaction on the primary store.</summary>
public interface IWriteCommand;

/// <summary>
/// A write whose port calls are each atomic by themselves (the stores run a port write outside a transaction in one of
/// its own) and may stand alone if a later one fails, and which records no mirror fact: e.g. "resolve or create the
/// user, read, record an analytics event", where a retry finds the user created and nothing is half-written. With no
/// outbox record to commit alongside, the dual-write behaviour runs it without an enclosing transaction on its first
/// attempt, saving the transaction's COMMIT round trip; a retry after a conflict runs in a transaction like any write.
/// <see cref="WriteScope.Record"/> refuses a fact during such a request, so a handler that starts mirroring one must
/// stop being stepwise.
/// </summary>
public interface IStepwiseWrite : IWriteCommand;

/// <summary>The facts a write produced, collected during the handler and written to the backlog before commit.</summary>
public sealed class WriteScope
{
    private readonly List<MirrorFact> _facts = [];

    public IReadOnlyList<MirrorFact> Facts => _facts;

    /// <summary>Set while an <see cref="IStepwiseWrite"/> runs without a transaction: there is no outbox to record into.</summary>
    internal bool Stepwise { get; set; }

    public void Record(MirrorFact fact)
    {
        if (Stepwise)
        {
            throw new InvalidOperationException(
                $"A stepwise write runs without a transaction and cannot record the mirror fact {fact.Kind}; make the request a plain IWriteCommand.");
        }
        _facts.Add(fact);
    }

    internal void Clear() => _facts.Clear();
}

/// <summary>The dual-write figures (exported as Prometheus metrics by the host).</summary>
public interface IMirrorMetrics
{
    void Applied(int count = 1);

    void Deferred(int count = 1);

    void FailedAttempt();

    /// <summary>
    /// Writes whose request applied its mirror copy itself because the background worker had fallen behind (more than
    /// <see cref="MirrorWakeup.InlineAbove"/> signals waiting): the backpressure regime, dearer per write.
    /// </summary>
    void BehindInline(int count = 1);

    void BacklogObserved(long depth, double oldestAgeSeconds);
}

/// <summary>A write lost a race (optimistic concurrency, serialization failure, busy database): the behaviour retries it.</summary>
public sealed class StoreConflictException(string message, Exception? inner = null) : Exception(message, inner);
