using NodaTime;
using NodaTime.Text;
using Teski.Infrastructure.Legacy;

namespace Teski.Infrastructure.Tests.Legacy;

public class LegacyTimeTests
{
    [Theory]
    [InlineData("2025-01-02 03:04:05.123456", "2025-01-02T03:04:05.123456Z")]
    [InlineData("2025-01-02 03:04:05", "2025-01-02T03:04:05Z")]
    [InlineData("2025-01-02T03:04:05.1", "2025-01-02T03:04:05.1Z")]
    [InlineData("2025-01-02 03:04", "2025-01-02T03:04:00Z")]
    [InlineData("2025-01-02", "2025-01-02T00:00:00Z")]
    [InlineData("2025-01-02T03:04:05+02:00", "2025-01-02T01:04:05Z")]
    [InlineData("2025-01-02T03:04:05-0130", "2025-01-02T04:34:05Z")]
    [InlineData("2025-01-02T03:04:05.000001Z", "2025-01-02T03:04:05.000001Z")]
    public void ParseUtc_accepts_the_stored_variants(string text, string expected) =>
        LegacyTime.ParseUtc(text).Should().Be(InstantPattern.ExtendedIso.Parse(expected).Value);

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("2025-13-01 00:00:00")]
    [InlineData("2025-01-02 25:00:00")]
    public void Garbage_is_rejected(string text)
    {
        LegacyTime.TryParse(text, DateTimeZone.Utc, out _).Should().BeFalse();
        var act = () => LegacyTime.ParseUtc(text);
        act.Should().Throw<FormatException>().WithMessage($"*{text}*");
    }

    [Fact]
    public void Formats_always_have_six_fraction_digits_and_truncate_below_a_microsecond()
    {
        var t = Instant.FromUtc(2025, 3, 30, 1, 30).PlusNanoseconds(999);
        LegacyTime.FormatUtc(t).Should().Be("2025-03-30 01:30:00.000000");
        LegacyTime.FormatHelsinki(t).Should().Be("2025-03-30 04:30:00.000000");
        LegacyTime.FormatHelsinki(Instant.FromUtc(2025, 3, 30, 0, 59, 59)).Should().Be("2025-03-30 02:59:59.000000");
    }
}

public class LegacyJsonTests
{
    [Theory]
    [InlineData("{\"a\": 1}", true)]
    [InlineData("null", true)]
    [InlineData("[1, 2]", true)]
    [InlineData("{'a': 1}", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void TryParse_tells_valid_JSON(string? text, bool valid) => LegacyJson.TryParse(text, out _).Should().Be(valid);

    [Fact]
    public void ToValidJson_keeps_valid_text_and_wraps_invalid_text()
    {
        LegacyJson.ToValidJson("{\"b\": 1,  \"a\": 2}").Should().Be("{\"b\": 1,  \"a\": 2}");
        LegacyJson.ToValidJson(null).Should().BeNull();
        var wrapped = LegacyJson.ToValidJson("{'reason': \"unit\"}");
        LegacyJson.TryParse(wrapped, out var node).Should().BeTrue();
        node!["raw"]!.GetValue<string>().Should().Be("{'reason': \"unit\"}");
        node.AsObject().Should().HaveCount(1);
    }
}
