using Teski.Application.Common.Mirroring;

namespace Teski.Api.Metrics;

/// <summary>The application's dual-write figures, exported through prometheus-net.</summary>
internal sealed class PrometheusMirrorMetrics : IMirrorMetrics
{
    public void Applied(int count = 1) => TeskiMetrics.MirrorApplied.Inc(count);

    public void Deferred(int count = 1) => TeskiMetrics.MirrorDeferred.Inc(count);

    public void FailedAttempt() => TeskiMetrics.MirrorFailedAttempts.Inc();

    public void BehindInline(int count = 1) => TeskiMetrics.MirrorBehindInline.Inc(count);

    public void BacklogObserved(long depth, double oldestAgeSeconds)
    {
        TeskiMetrics.MirrorBacklogDepth.Set(depth);
        TeskiMetrics.MirrorBacklogOldestAgeSeconds.Set(oldestAgeSeconds);
    }
}
