using NodaTime;

namespace Teski.Domain.Users;

/// <summary>The result of <see cref="Streak.Apply"/>; <see cref="Counted"/> says whether today was newly counted.</summary>
public sealed record StreakUpdate(int StreakDays, Instant? LastStreakAt, bool Counted);

/// <summary>The v2 streak rule (v2-schema.md, "Streak").</summary>
public static class Streak
{
    /// <summary>A day counts once the user has done this many reviews in it.</summary>
    public const int ReviewsPerDay = 5;

    /// <summary>
    /// Counts today once the user reached <see cref="ReviewsPerDay"/> reviews: the streak grows when the last
    /// counted local day was yesterday, and restarts at 1 otherwise (a skipped day, or never counted).
    /// <paramref name="lastStreakAt"/> is the UTC instant of a local midnight as stored; it is read back as a local
    /// day in the user's current zone.
    /// </summary>
    public static StreakUpdate Apply(
        int streakDays, Instant? lastStreakAt, int reviewsToday, Instant now, DateTimeZone zone)
    {
        var today = UserDay.LocalDay(now, zone);
        var lastDay = lastStreakAt is { } last ? UserDay.LocalDay(last, zone) : (LocalDate?)null;
        // A last day after today (zone changed, clock skew) counts as "already counted" rather than resetting.
        if (reviewsToday < ReviewsPerDay || lastDay >= today)
        {
            return new StreakUpdate(streakDays, lastStreakAt, Counted: false);
        }

        var days = lastDay == today.PlusDays(-1) ? streakDays + 1 : 1;
        return new StreakUpdate(days, UserDay.Bounds(today, zone).Start, Counted: true);
    }
}
