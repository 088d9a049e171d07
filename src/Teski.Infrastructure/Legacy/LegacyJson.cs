using System.Text.Json;
using System.Text.Json.Nodes;

namespace Teski.Infrastructure.Legacy;

/// <summary>
/// Legacy JSON columns are kept as the raw text the legacy app stored (old rows may hold text that is not JSON at
/// all): the store never rewrites them. These helpers are for the code that has to interpret that text.
/// </summary>
public static class LegacyJson
{
    /// <summary>Parses <paramref name="text"/>; false for NULL, empty or invalid JSON. A JSON <c>null</c> literal parses to a null node.</summary>
    public static bool TryParse(string? text, out JsonNode? node)
    {
        node = null;
        if (string.IsNullOrWhiteSpace(text))
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
