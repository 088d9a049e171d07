using Prometheus;
using Teski.Application.Common.ShadowReads;

namespace Teski.Api.Metrics;

/// <summary>The shadow-read figures: mismatches on <see cref="TeskiMetrics.ShadowReadMismatches"/>, comparisons and failures by request.</summary>
internal sealed class PrometheusShadowReadMetrics : IShadowReadMetrics
{
    private static readonly Counter ComparedTotal = Prometheus.Metrics.CreateCounter(
        "teski_shadow_reads_total", "Shadow reads answered by the mirror store and compared.", new CounterConfiguration { LabelNames = ["request"] });

    private static readonly Counter FailedTotal = Prometheus.Metrics.CreateCounter(
        "teski_shadow_read_failures_total", "Shadow reads the mirror store could not answer.", new CounterConfiguration { LabelNames = ["request"] });

    public void Compared(string request) => ComparedTotal.WithLabels(request).Inc();

    public void Mismatch(string request) => TeskiMetrics.ShadowReadMismatches.Inc();

    public void Failed(string request) => FailedTotal.WithLabels(request).Inc();
}
