using System.Globalization;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using NodaTime;
using NodaTime.Text;

namespace Teski.Infrastructure.V2;

/// <summary>
/// Guid ↔ CHAR(32) lowercase hex without hyphens: SQLAlchemy's UUID type on SQLite stores <c>uuid.hex</c>, and the
/// previous stack compares ids as text, so any other spelling (EF's default is uppercase hyphenated) would not match.
/// </summary>
public sealed class SqliteGuidConverter()
    : ValueConverter<Guid, string>(g => g.ToString("N"), s => ParseGuid(s))
{
    /// <summary>Reads the stored text; hyphenated or uppercase spellings are accepted too.</summary>
    public static Guid ParseGuid(string s) => Guid.Parse(s, CultureInfo.InvariantCulture);
}

/// <summary>
/// Instant ↔ TEXT <c>YYYY-MM-DD HH:MM:SS.ffffff</c>, naive UTC: the format Python's sqlite3/SQLAlchemy writes for a
/// naive datetime. Fixed width, so text order is time order and range queries work on the column as stored.
/// Reading also accepts no fraction, a 'T' separator, fewer or more fraction digits and a trailing Z/+00:00.
/// </summary>
public sealed class SqliteInstantConverter()
    : ValueConverter<Instant, string>(i => Format(i), s => Parse(s))
{
    private static readonly InstantPattern WritePattern =
        InstantPattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm':'ss'.'ffffff");

    // "ss.FFFFFFFFF": NodaTime makes the period optional along with the digits, so whole seconds parse too.
    private static readonly InstantPattern ReadPattern =
        InstantPattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm':'ss.FFFFFFFFF");

    public static string Format(Instant value) => WritePattern.Format(value);

    public static Instant Parse(string text)
    {
        var s = text.Trim().Replace('T', ' ');
        if (s.EndsWith('Z'))
        {
            s = s[..^1];
        }
        else if (s.EndsWith("+00:00", StringComparison.Ordinal))
        {
            s = s[..^6];
        }
        return ReadPattern.Parse(s).GetValueOrThrow();
    }
}
