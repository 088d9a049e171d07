using Prometheus;

namespace Teski.Api.Metrics;

/// <summary>
/// The dual-write, backlog and backfill figures on <c>/metrics</c>. The names are part of the operators' dashboards.
/// The mirror and backfill code lives in Infrastructure and cannot see this class: an adapter in this project
/// implementing the port they define will forward to these objects.
/// </summary>
public static class TeskiMetrics
{
    public static readonly Counter MirrorApplied = Prometheus.Metrics.CreateCounter(
        "teski_mirror_applied_total", "Writes applied to the mirror store.");

    public static readonly Counter MirrorDeferred = Prometheus.Metrics.CreateCounter(
        "teski_mirror_deferred_total", "Mirror writes that could not be applied at once and went to the backlog.");

    public static readonly Counter MirrorFailedAttempts = Prometheus.Metrics.CreateCounter(
        "teski_mirror_failed_attempts_total", "Failed attempts to apply a backlog entry to the mirror store.");

    public static readonly Counter MirrorBehindInline = Prometheus.Metrics.CreateCounter(
        "teski_mirror_inline_total",
        "Writes whose request applied its own mirror copy because the background worker had fallen behind (backpressure).");

    public static readonly Gauge MirrorBacklogDepth = Prometheus.Metrics.CreateGauge(
        "teski_mirror_backlog_depth", "Entries waiting in the mirror backlog.");

    public static readonly Gauge MirrorBacklogOldestAgeSeconds = Prometheus.Metrics.CreateGauge(
        "teski_mirror_backlog_oldest_age_seconds", "Age of the oldest backlog entry in seconds (0 when empty).");

    public static readonly Counter ShadowReadMismatches = Prometheus.Metrics.CreateCounter(
        "teski_shadow_read_mismatches_total", "Shadow reads whose mirror answer differed from the primary's.");

    public static readonly Counter BackfillRows = Prometheus.Metrics.CreateCounter(
        "teski_backfill_rows_total", "Rows handled by backfill.", new CounterConfiguration { LabelNames = ["entity", "outcome"] });

    /// <summary>Touches the class so its metrics are registered (and exported at 0) before the first event.</summary>
    public static void EnsureRegistered() => _ = MirrorApplied;
}
