namespace Teski.Application.Common.Mirroring;

/// <summary>Marks a request that writes: it runs inside the dual-write behaviour's transaction on the primary store.</summary>
public interface IWriteCommand;

/// <summary>
/// A write whose port calls are each atomic by themselves (the stores run a port write outside a transaction in one of
/// its own) and may stand alone if a later one fails: e.g. "resolve or create the user, read, record an analytics
/// event", where a retry finds the user created and nothing is half-written. When there is no mirror, so no outbox
/// record has to commit with the change, the dual-write behaviour runs such a request without an enclosing
/// transaction on its first attempt, saving the transaction's COMMIT round trip; with a mirror, or when retrying
/// after a conflict, it runs in a transaction like any write.
/// </summary>
public interface IStepwiseWrite : IWriteCommand;

/// <summary>The facts a write produced, collected during the handler and written to the backlog before commit.</summary>
public sealed class WriteScope
{
    private readonly List<MirrorFact> _facts = [];

    public IReadOnlyList<MirrorFact> Facts => _facts;

    public void Record(MirrorFact fact) => _facts.Add(fact);

    internal void Clear() => _facts.Clear();
}

/// <summary>The dual-write figures (exported as Prometheus metrics by the host).</summary>
public interface IMirrorMetrics
{
    void Applied(int count = 1);

    void Deferred(int count = 1);

    void FailedAttempt();

    void BacklogObserved(long depth, double oldestAgeSeconds);
}

/// <summary>A write lost a race (optimistic concurrency, serialization failure, busy database): the behaviour retries it.</summary>
public sealed class StoreConflictException(string message, Exception? inner = null) : Exception(message, inner);
