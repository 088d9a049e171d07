using System.Net;
using System.Text.Json;

namespace Teski.Api.Tests;

internal static class TestJson
{
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(expected, text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", text);
        var json = JsonDocument.Parse(text).RootElement;
        json.GetProperty("status").GetInt32().Should().Be((int)expected);
        return json;
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(expected, text);
        return JsonDocument.Parse(text).RootElement;
    }

    public static string Code(this JsonElement problem) => problem.GetProperty("code").GetString()!;

    /// <summary>The object's keys are exactly <paramref name="names"/> (order ignored).</summary>
    public static JsonElement ShouldHaveKeys(this JsonElement json, params string[] names)
    {
        json.ValueKind.Should().Be(JsonValueKind.Object, json.GetRawText());
        json.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(names, json.GetRawText());
        return json;
    }

    public static string[] ErrorFields(this JsonElement problem) =>
        [.. problem.GetProperty("errors").EnumerateObject().Select(p => p.Name)];
}
