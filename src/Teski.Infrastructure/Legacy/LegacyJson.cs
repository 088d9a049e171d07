using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Teski.Infrastructure.Legacy;

/// <summary>
/// Legacy JSON columns are kept as the raw text the legacy app stored (old rows may hold text that is not JSON at
/// all): the store never rewrites them. These helpers are for the code that has to interpret that text.
/// </summary>
public static partial class LegacyJson
{
    private static readonly char[] JsonWhitespace = [' ', '\t', '\n', '\r'];

    /// <summary>
    /// True when <paramref name="text"/> cannot be JSON, decided without parsing: a JSON text starts (after JSON
    /// whitespace) with <c>{</c>, <c>[</c> or <c>"</c>, or is one number or literal. The parsers report other text
    /// by throwing, which costs tens of microseconds per value; plain-text mistake details (the usual v2 <c>raw</c>)
    /// are decided here instead. False means "may be JSON": parse to know.
    /// </summary>
    public static bool CannotBeJson(string text)
    {
        var trimmed = text.AsSpan().Trim(JsonWhitespace);
        if (trimmed.IsEmpty)
        {
            return true;
        }
        return trimmed[0] switch
        {
            '{' or '[' or '"' => false,
            't' or 'f' or 'n' => trimmed is not ("true" or "false" or "null"),
            '-' or (>= '0' and <= '9') => !JsonNumber().IsMatch(trimmed),
            _ => true,
        };
    }

    [GeneratedRegex(@"\A-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();

    /// <summary>Parses <paramref name="text"/>; false for NULL, empty or invalid JSON. A JSON <c>null</c> literal parses to a null node.</summary>
    public static bool TryParse(string? text, out JsonNode? node)
    {
        node = null;
        if (string.IsNullOrWhiteSpace(text) || CannotBeJson(text))
        {
            return false;
        }
        try
        {
            node = JsonNode.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// The migration rule for JSON that must become valid: valid JSON is returned unchanged, NULL stays NULL, and
    /// anything else becomes <c>{"raw": "&lt;original text&gt;"}</c> so the original value is never dropped.
    /// </summary>
    public static string? ToValidJson(string? text)
    {
        if (text is null)
        {
            return null;
        }
        if (TryParse(text, out _))
        {
            return text;
        }
        return new JsonObject { ["raw"] = text }.ToJsonString();
    }
}
