using System.Globalization;
using NodaTime;
using NodaTime.Text;
using NodaTime.TimeZones;

namespace Teski.Infrastructure.Migration.Rules;

/// <summary>The outcome of reading one legacy datetime value: an instant, nothing (NULL), or an error to report.</summary>
public readonly record struct TimeParse(Instant? Value, string? Error)
{
    public bool IsNull => Value is null && Error is null;

    public static TimeParse Null => default;
}

/// <summary>
/// Legacy datetime values (legacy-schema.md, "Storage conventions"). SQLAlchemy writes
/// <c>YYYY-MM-DD HH:MM:SS.ffffff</c> without an offset; most columns are naive UTC, the "tz-aware" ones
/// (<c>user.created_at</c>, <c>task.due_iso</c>, <c>reminder.created_at</c>) are Europe/Helsinki wall time.
/// Hand-edited rows may carry an ISO offset (honoured), a <c>T</c> separator, or no fraction.
/// </summary>
public static class LegacyTime
{
    public const string DefaultZoneId = "Europe/Helsinki";

    private static readonly LocalDateTimePattern Local =
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd' 'HH':'mm':'ss.FFFFFFFFF");

    private static readonly LocalDateTimePattern LocalNoSeconds =
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd' 'HH':'mm");

    /// <summary>
    /// Python wrote these with <c>fold=0</c> after dropping the offset: an ambiguous autumn wall time is the
    /// earlier (summer-time) instant, a spring-gap wall time is read with the pre-gap offset, which is the
    /// same instant as shifting it forward. NodaTime's lenient resolver does exactly that.
    /// </summary>
    private static readonly ZoneLocalMappingResolver Resolver = Resolvers.LenientResolver;

    /// <summary>A naive-UTC legacy column.</summary>
    public static TimeParse ParseUtc(object? value) => Parse(value, DateTimeZone.Utc);

    /// <summary>A Helsinki-wall-time legacy column (or any zone the legacy app assumed).</summary>
    public static TimeParse ParseWallTime(object? value, DateTimeZone zone) => Parse(value, zone);

    public static DateTimeZone Zone(string? id) =>
        (string.IsNullOrWhiteSpace(id) ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(id))
        ?? DateTimeZoneProviders.Tzdb[DefaultZoneId];

    private static TimeParse Parse(object? value, DateTimeZone zone)
    {
        switch (value)
        {
            case null or DBNull:
                return TimeParse.Null;
            case DateTime dt:
                // PostgreSQL legacy stores: "timestamp without time zone" comes back as an unspecified DateTime.
                return dt.Kind == DateTimeKind.Utc
                    ? new TimeParse(Instant.FromDateTimeUtc(dt), null)
                    : new TimeParse(LocalDateTime.FromDateTime(dt).InZone(zone, Resolver).ToInstant(), null);
            case DateTimeOffset dto:
                return new TimeParse(Instant.FromDateTimeOffset(dto), null);
            case string s:
                return ParseText(s, zone);
            default:
                return new TimeParse(null, $"unparseable datetime of type {value.GetType().Name}");
        }
    }

    private static TimeParse ParseText(string original, DateTimeZone zone)
    {
        var s = original.Trim();
        if (s.Length < 16)
        {
            return Bad(original);
        }
        if (s[10] is 'T' or 't')
        {
            s = string.Concat(s.AsSpan(0, 10), " ", s.AsSpan(11));
        }
        Offset? offset = null;
        if (s.EndsWith('Z') || s.EndsWith('z'))
        {
            offset = Offset.Zero;
            s = s[..^1];
        }
        else if (s.Length > 19)
        {
            // An explicit "+02:00", "+0200" or "-05:00" after the time part.
            var sign = s.LastIndexOfAny(['+', '-']);
            if (sign > 16)
            {
                var text = s[(sign + 1)..].Replace(":", "", StringComparison.Ordinal);
                if (text.Length is 2 or 4 && text.All(char.IsAsciiDigit))
                {
                    var hours = int.Parse(text[..2], CultureInfo.InvariantCulture);
                    var minutes = text.Length == 4 ? int.Parse(text[2..], CultureInfo.InvariantCulture) : 0;
                    if (hours > 18 || minutes > 59)
                    {
                        return Bad(original);
                    }
                    var seconds = (hours * 3600) + (minutes * 60);
                    offset = Offset.FromSeconds(s[sign] == '-' ? -seconds : seconds);
                    s = s[..sign].TrimEnd();
                }
                else
                {
                    return Bad(original);
                }
            }
        }
        var parsed = Local.Parse(s);
        if (!parsed.Success)
        {
            parsed = LocalNoSeconds.Parse(s);
        }
        if (!parsed.Success)
        {
            return Bad(original);
        }
        var local = parsed.Value;
        return offset is { } o
            ? new TimeParse(local.WithOffset(o).ToInstant(), null)
            : new TimeParse(local.InZone(zone, Resolver).ToInstant(), null);
    }

    private static TimeParse Bad(string original) =>
        new(null, $"unparseable datetime '{Truncate(original, 60)}'");

    internal static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";

    /// <summary>The v2 SQLite text form (<c>YYYY-MM-DD HH:MM:SS.ffffff</c>, naive UTC).</summary>
    public static string ToV2Text(Instant i) =>
        i.ToDateTimeUtc().ToString("yyyy'-'MM'-'dd' 'HH':'mm':'ss'.'ffffff", CultureInfo.InvariantCulture);

    /// <summary>The canonical form used in checksums and in PostgreSQL text parameters.</summary>
    public static string ToCanonical(Instant i) =>
        i.ToDateTimeUtc().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Legacy and v2 stores keep microseconds; anything finer is dropped so both sides compare equal.</summary>
    public static Instant ToMicros(Instant i) =>
        Instant.FromUnixTimeTicks(i.ToUnixTimeTicks() / 10 * 10);
}
