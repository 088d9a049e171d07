namespace Teski.Domain.Persona;

/// <summary>The legacy nudge mood choice (legacy-schema.md, "personas").</summary>
public static class LegacyMood
{
    public const string Calm = "mood_calm_v1";
    public const string Snark = "mood_snark_v1";
    public const string Disappointed = "mood_disappointed_v1";
    public const string Intervention = "mood_intervention_v1";
    public const string Done = "mood_done_v1";

    /// <summary>
    /// A requested mood (non-blank) wins. Otherwise: overdue → intervention; more than a day left → calm;
    /// (1 h, 1 day] → snark after ≥ 2 deferrals else calm; (0, 1 h] → disappointed after ≥ 1 deferral else snark;
    /// anything else (no due time, or 0 minutes left but not flagged overdue) → done.
    /// </summary>
    public static string Choose(string? requestedMood, double? minutesToDue, bool overdue, int repeatedDeferrals)
    {
        if (!string.IsNullOrWhiteSpace(requestedMood))
        {
            return requestedMood;
        }

        if (overdue)
        {
            return Intervention;
        }

        return minutesToDue switch
        {
            > 1440 => Calm,
            > 60 => repeatedDeferrals >= 2 ? Snark : Calm,
            > 0 => repeatedDeferrals >= 1 ? Disappointed : Snark,
            _ => Done,
        };
    }
}
