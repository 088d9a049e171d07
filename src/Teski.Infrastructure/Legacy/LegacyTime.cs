using System.Globalization;
using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.Text;
using NodaTime.TimeZones;

namespace Teski.Infrastructure.Legacy;

/// <summary>
/// The legacy app's datetime conventions. SQLAlchemy on SQLite writes <c>YYYY-MM-DD HH:MM:SS.ffffff</c> with no
/// offset; most columns hold UTC, but <c>user.created_at</c>, <c>task.due_iso</c> and <c>reminder.created_at</c> were
/// filled with <c>datetime.now(Europe/Helsinki)</c> and the offset was dropped on write, so they hold Helsinki wall time.
/// </summary>
/// <remarks>
/// Wall time → instant uses <see cref="Resolvers.LenientResolver"/>:
/// an ambiguous autumn wall time (e.g. 2025-10-26 03:30, which happens at +03:00 and again at +02:00) resolves to the
/// <b>earlier</b> instant (the +03:00 one, 00:30Z), which is what Python's zoneinfo does for the default <c>fold=0</c>;
/// a skipped spring wall time (e.g. 2025-03-30 03:30) is <b>shifted forward</b> by the gap (→ 04:30 +03:00 = 01:30Z),
/// which equals Python's reading of it with the pre-transition offset. Writing an instant from the second autumn
/// occurrence produces the same wall text as the first one: the legacy format cannot tell them apart, so such a
/// value reads back one hour earlier. That loss is the legacy column's, not ours.
/// Values carrying an explicit offset (hand-edited or imported rows) are taken at that offset, whatever the column.
/// </remarks>
public static partial class LegacyTime
{
    /// <summary>Europe/Helsinki from NodaTime's embedded tzdb (independent of the host's zoneinfo / ICU).</summary>
    public static DateTimeZone Helsinki { get; } = DateTimeZoneProviders.Tzdb["Europe/Helsinki"];

    private static readonly LocalDateTimePattern WritePattern =
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd' 'HH':'mm':'ss'.'ffffff");

    /// <summary>Naive UTC column text: <c>YYYY-MM-DD HH:MM:SS.ffffff</c> (sub-microsecond digits truncated, as Python has none).</summary>
    public static string FormatUtc(Instant instant) => WritePattern.Format(ToUtcWallTime(instant));

    /// <summary>Helsinki wall-time column text, no offset.</summary>
    public static string FormatHelsinki(Instant instant) => WritePattern.Format(ToHelsinkiWallTime(instant));

    /// <summary>Reads a naive-UTC column's text (see <see cref="Parse"/> for the accepted forms).</summary>
    public static Instant ParseUtc(string text) => Parse(text, DateTimeZone.Utc);

    /// <summary>Reads a Helsinki wall-time column's text (see <see cref="Parse"/> for the accepted forms).</summary>
    public static Instant ParseHelsinki(string text) => Parse(text, Helsinki);

    /// <summary>
    /// Accepts <c>YYYY-MM-DD HH:MM:SS.ffffff</c> and the variants found in hand-edited or imported rows: a <c>T</c>
    /// separator, no or fewer fraction digits, no seconds, a date alone (midnight), and a trailing <c>Z</c> /
    /// <c>±HH:MM</c> / <c>±HHMM</c> / <c>±HH</c> offset, which wins over <paramref name="zone"/>.
    /// </summary>
    /// <exception cref="FormatException">The text is none of those forms.</exception>
    public static Instant Parse(string text, DateTimeZone zone)
    {
        if (!TryParse(text, zone, out var instant))
        {
            throw new FormatException($"'{text}' is not a legacy datetime (expected YYYY-MM-DD HH:MM:SS[.ffffff][offset])");
        }
        return instant;
    }

    public static bool TryParse(string? text, DateTimeZone zone, out Instant instant)
    {
        instant = default;
        if (text is null)
        {
            return false;
        }
        var m = DateTimeText().Match(text);
        if (!m.Success)
        {
            return false;
        }
        try
        {
            var fraction = m.Groups["f"].Success ? m.Groups["f"].Value.PadRight(9, '0') : "0";
            var local = new LocalDateTime(
                Int(m, "y"), Int(m, "mo"), Int(m, "d"),
                m.Groups["h"].Success ? Int(m, "h") : 0,
                m.Groups["mi"].Success ? Int(m, "mi") : 0,
                m.Groups["s"].Success ? Int(m, "s") : 0)
                .PlusNanoseconds(long.Parse(fraction, CultureInfo.InvariantCulture));
            if (m.Groups["z"].Success)
            {
                instant = local.WithOffset(ParseOffset(m.Groups["z"].Value)).ToInstant();
            }
            else
            {
                instant = local.InZone(zone, Resolvers.LenientResolver).ToInstant();
            }
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            // e.g. month 13 or hour 25: the text matched the shape but is not a date.
            return false;
        }
    }

    /// <summary>The UTC wall time a PostgreSQL <c>timestamp without time zone</c> naive column stores (microsecond precision).</summary>
    public static LocalDateTime ToUtcWallTime(Instant instant) => TruncateToMicroseconds(instant).InUtc().LocalDateTime;

    /// <summary>The Helsinki wall time a tz-aware legacy column stores (microsecond precision).</summary>
    public static LocalDateTime ToHelsinkiWallTime(Instant instant) => TruncateToMicroseconds(instant).InZone(Helsinki).LocalDateTime;

    public static Instant FromUtcWallTime(LocalDateTime local) => local.InUtc().ToInstant();

    /// <summary>Helsinki wall time → instant; ambiguous → earlier, skipped → shifted forward (see the type remarks).</summary>
    public static Instant FromHelsinkiWallTime(LocalDateTime local) => local.InZone(Helsinki, Resolvers.LenientResolver).ToInstant();

    /// <summary>Python datetimes carry microseconds; storing nanoseconds would make a value unequal to its own round trip.</summary>
    public static Instant TruncateToMicroseconds(Instant instant)
    {
        var ticks = instant.ToUnixTimeTicks();
        return Instant.FromUnixTimeTicks(ticks - (((ticks % 10) + 10) % 10));
    }

    private static int Int(Match m, string group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    private static Offset ParseOffset(string text)
    {
        if (text is "Z" or "z")
        {
            return Offset.Zero;
        }
        var sign = text[0] == '-' ? -1 : 1;
        var digits = text[1..].Replace(":", "", StringComparison.Ordinal);
        var hours = int.Parse(digits[..2], CultureInfo.InvariantCulture);
        var minutes = digits.Length >= 4 ? int.Parse(digits[2..4], CultureInfo.InvariantCulture) : 0;
        return Offset.FromSeconds(sign * ((hours * 3600) + (minutes * 60)));
    }

    [GeneratedRegex(@"^\s*(?<y>\d{4})-(?<mo>\d{1,2})-(?<d>\d{1,2})(?:[ T](?<h>\d{1,2}):(?<mi>\d{2})(?::(?<s>\d{2})(?:[.,](?<f>\d{1,9}))?)?)?\s*(?<z>Z|z|[+-]\d{2}(?::?\d{2})?)?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimeText();
}
