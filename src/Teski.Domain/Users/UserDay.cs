using NodaTime;

namespace Teski.Domain.Users;

/// <summary>
/// "Today" for a user is a local calendar day in their IANA zone (v2-schema.md, "User-local day"); counts use the
/// half-open UTC range [local midnight, next local midnight), which is 23 or 25 hours long on DST-change days.
/// </summary>
public static class UserDay
{
    /// <summary>The legacy app assumed Helsinki for everyone, so it is the fallback for a missing or unknown zone.</summary>
    public const string FallbackZoneId = "Europe/Helsinki";

    public static DateTimeZone ResolveZone(string? iana)
    {
        var provider = DateTimeZoneProviders.Tzdb;
        return (string.IsNullOrWhiteSpace(iana) ? null : provider.GetZoneOrNull(iana.Trim()))
            ?? provider[FallbackZoneId];
    }

    public static LocalDate LocalDay(Instant now, DateTimeZone zone) => now.InZone(zone).Date;

    /// <summary>The bounds of the local day containing <paramref name="now"/>; End is exclusive.</summary>
    public static (Instant Start, Instant End) Today(Instant now, DateTimeZone zone) => Bounds(LocalDay(now, zone), zone);

    /// <summary>
    /// Uses AtStartOfDay rather than "date at 00:00" because in zones where DST starts at midnight that local
    /// time does not exist; the day then starts at the first valid instant.
    /// </summary>
    public static (Instant Start, Instant End) Bounds(LocalDate day, DateTimeZone zone) =>
        (zone.AtStartOfDay(day).ToInstant(), zone.AtStartOfDay(day.PlusDays(1)).ToInstant());
}
