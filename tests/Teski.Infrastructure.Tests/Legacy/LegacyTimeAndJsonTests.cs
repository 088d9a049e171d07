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

    /// <summary>Texts near the edges of the JSON grammar: the pre-check may only say "not JSON" where the parser agrees.</summary>
    public static TheoryData<string> NearJsonTexts() => new()
    {
        "sign slip in step 2", "the answer was 5", "null", " null ", "nul", "nullx", "true", "truex", "true false", "false",
        "fals", "0", "-0", "01", "-", "1.", "1.5", "1.5e10", "1e+400", "-1E-2", "2+2=5", "5 apples", "12 ", "\t7\r\n",
        "{}", "{", "[]", "[1,", "\"x\"", "\"x", "'x'", "\u00a0{}", "\ufeff{}", "  ", "\n", "Infinity", "NaN", "+1",
        "{\"a\": 1} trailing", ".5", "0x10", "1_000",
    };

    [Theory]
    [MemberData(nameof(NearJsonTexts))]
    public void CannotBeJson_never_rejects_what_the_parser_accepts(string text)
    {
        bool parses;
        try
        {
            System.Text.Json.Nodes.JsonNode.Parse(text);
            parses = true;
        }
        catch (System.Text.Json.JsonException)
        {
            parses = false;
        }
        if (parses)
        {
            LegacyJson.CannotBeJson(text).Should().BeFalse();
        }
        LegacyJson.TryParse(text, out _).Should().Be(parses && !string.IsNullOrWhiteSpace(text));
    }

    [Theory]
    [InlineData("sign slip in step 2")]
    [InlineData("the answer was 5")]
    [InlineData("5 apples")]
    [InlineData("nullx")]
    [InlineData("01")]
    public void CannotBeJson_decides_plain_text_without_parsing(string text) => LegacyJson.CannotBeJson(text).Should().BeTrue();
}
