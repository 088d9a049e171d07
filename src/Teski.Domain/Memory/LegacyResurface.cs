using NodaTime;

namespace Teski.Domain.Memory;

/// <summary>One <c>resurface_plans</c> row to insert (status <c>pending</c>).</summary>
public sealed record ResurfacePlanItem(
    long UserId, long? SkillId, string? TemplateCode, Instant ScheduledFor, long MistakeId, double Priority);

/// <summary>The legacy "build resurface plan" rule (legacy-schema.md).</summary>
public static class LegacyResurface
{
    public const double DefaultHalfLifeDays = 7.0;

    /// <summary>Minutes from now at which the 1st, 2nd, ... ranked mistakes come back (cycling after the 7th).</summary>
    public static IReadOnlyList<int> OffsetsMinutes { get; } = [10, 20, 30, 45, 60, 90, 120];

    /// <summary>
    /// A mistake's urgency: its weight decayed with a half-life, boosted while unresolved.
    /// <c>weight · 0.5^(age/halfLife) · (1.25 if unresolved else 0.65)</c>.
    /// </summary>
    public static double Priority(double weight, double ageDays, double halfLifeDays, bool unresolved) =>
        weight * Math.Pow(0.5, ageDays / halfLifeDays) * (unresolved ? 1.25 : 0.65);

    /// <summary>
    /// The plan rows for <paramref name="count"/> mistakes. Exact rule: candidates are the unresolved mistakes;
    /// age = days (fractional) from <c>occurred_at</c> to now, floored at 0 so a clock-skewed future row is not
    /// boosted; ranked by priority descending, ties by later <c>occurred_at</c> then higher id; the i-th (0-based)
    /// of the top <paramref name="count"/> is scheduled at now + min(OffsetsMinutes[i mod 7], horizon) minutes,
    /// with a negative horizon treated as 0.
    /// </summary>
    public static IReadOnlyList<ResurfacePlanItem> Plan(
        IEnumerable<LegacyMistakeLog> mistakes, int count, int horizonMinutes, double halfLifeDays, Instant now)
    {
        if (count <= 0)
        {
            return [];
        }

        var horizon = Math.Max(0, horizonMinutes);
        return mistakes
            .Where(m => !m.IsResolved)
            .Select(m => (Mistake: m, Priority: Priority(
                m.Weight, Math.Max(0, (now - m.OccurredAt).TotalDays), halfLifeDays, unresolved: true)))
            .OrderByDescending(x => x.Priority)
            .ThenByDescending(x => x.Mistake.OccurredAt)
            .ThenByDescending(x => x.Mistake.Id)
            .Take(count)
            .Select((x, i) => new ResurfacePlanItem(
                x.Mistake.UserId, x.Mistake.SkillId, x.Mistake.TemplateCode,
                now + Duration.FromMinutes(Math.Min(OffsetsMinutes[i % OffsetsMinutes.Count], horizon)),
                x.Mistake.Id, x.Priority))
            .ToList();
    }
}
