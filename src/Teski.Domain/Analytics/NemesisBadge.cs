using NodaTime;

namespace Teski.Domain.Analytics;

/// <summary>A v2 <c>badge</c> row.</summary>
public sealed record Badge(Guid Id, Guid UserId, string Kind, Instant AcquiredAt);

/// <summary>
/// The Nemesis badge: a concept the user kept failing (≥ 2 lapses) and has now beaten three reviews in a row
/// with grade ≥ 4 (v2-schema.md, "Nemesis badge").
/// </summary>
public static class NemesisBadge
{
    public const string KindPrefix = "Nemesis::";
    public const int MinimumLapses = 2;
    public const int ReviewsInARow = 3;
    public const int MinimumGrade = 4;

    public static string KindFor(string concept) => KindPrefix + concept;

    /// <summary>
    /// The badge kind earned now, or null. <paramref name="latestGradesNewestFirst"/> includes the review just
    /// logged; <paramref name="alreadyHas"/> makes the badge once per user and concept.
    /// </summary>
    public static string? Earned(string concept, int lapses, IReadOnlyList<int> latestGradesNewestFirst, bool alreadyHas)
    {
        if (alreadyHas || lapses < MinimumLapses || latestGradesNewestFirst.Count < ReviewsInARow)
        {
            return null;
        }

        return latestGradesNewestFirst.Take(ReviewsInARow).All(g => g >= MinimumGrade) ? KindFor(concept) : null;
    }
}
