namespace Teski.Application.Common.Mirroring;

/// <summary>Marks a request that writes: it runs inside the dual-write behaviour's transaction on the primary store.</summary>
public interface IWriteCommand;

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
