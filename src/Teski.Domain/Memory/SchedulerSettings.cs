namespace Teski.Domain.Memory;

/// <summary>
/// Settings of the v2 scheduler. <see cref="LeewayMinutes"/> is <c>SRS_LEEWAY_MIN</c>: a fresh mistake is not
/// reviewable the same second it was made, but soon enough that the learner still remembers the context.
/// </summary>
public sealed record SchedulerSettings(int LeewayMinutes = 10)
{
    public static SchedulerSettings Default { get; } = new();

    public NodaTime.Duration Leeway => NodaTime.Duration.FromMinutes(LeewayMinutes);
}
