using System.Text.Json;

namespace Teski.Api.Tests;

/// <summary>The OpenAPI document describes every business endpoint with its request and response schemas.</summary>
public sealed class OpenApiTests(V2DualWriteFixture fixture) : IClassFixture<V2DualWriteFixture>
{
    public static TheoryData<string, string, bool> BusinessOperations()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var prefix in new[] { "/memory", "/api/memory" })
        {
            data.Add("post", prefix + "/mistake", true);
            data.Add("get", prefix + "/next", false);
            data.Add("post", prefix + "/review", true);
            data.Add("get", prefix + "/persona", false);
            data.Add("get", prefix + "/stats", false);
            data.Add("post", prefix + "/ab/assign", true);
            data.Add("get", prefix + "/xp", false);
            data.Add("get", prefix + "/badges", false);
        }
        data.Add("post", "/api/v1/memory/log", true);
        data.Add("post", "/api/v1/memory/log/v1", true);
        data.Add("post", "/api/v1/memory/mastered", false);
        data.Add("post", "/api/v1/memory/plan", true);
        data.Add("get", "/api/v1/memory/next", false);
        data.Add("post", "/api/v1/memory/review/build", true);
        data.Add("get", "/api/v1/memory/review/next", false);
        data.Add("post", "/api/v1/memory/review/result", false);
        data.Add("get", "/api/v1/personas", false);
        data.Add("get", "/api/v1/personas/{code}", false);
        data.Add("post", "/api/v1/personas/nudge/preview", true);
        data.Add("post", "/leaderboards/{id}/award", true);
        return data;
    }

    private async Task<JsonElement> DocumentAsync() =>
        JsonDocument.Parse(await fixture.Api.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;

    [Theory]
    [MemberData(nameof(BusinessOperations))]
    public async Task Every_business_operation_is_documented_with_its_schemas(string method, string path, bool hasBody)
    {
        var doc = await DocumentAsync();
        var paths = doc.GetProperty("paths");
        var key = paths.EnumerateObject().Select(p => p.Name).FirstOrDefault(p => p.TrimEnd('/') == path);
        key.Should().NotBeNull($"{path} should be in the document (has: {string.Join(", ", paths.EnumerateObject().Select(p => p.Name))})");
        paths.GetProperty(key!).TryGetProperty(method, out var operation).Should().BeTrue($"{method} {path}");

        var ok = operation.GetProperty("responses").GetProperty("200");
        ok.GetProperty("content").GetProperty("application/json").GetProperty("schema").EnumerateObject().Should().NotBeEmpty($"{path} 200 needs a schema");
        if (hasBody)
        {
            operation.TryGetProperty("requestBody", out var body).Should().BeTrue($"{method} {path} takes a JSON body");
            body.GetProperty("content").GetProperty("application/json").GetProperty("schema").EnumerateObject().Should().NotBeEmpty();
        }
        operation.GetProperty("responses").TryGetProperty("401", out _).Should().BeTrue($"{path} documents 401");
        operation.GetProperty("responses").TryGetProperty("503", out _).Should().BeTrue($"{path} documents 503 (request queue full)");
    }

    [Fact]
    public async Task Response_schemas_use_the_wire_names()
    {
        var doc = await DocumentAsync();
        var text = doc.GetRawText();
        foreach (var name in new[] { "memory_id", "remaining_today", "next_due_at", "persona_msg", "interval_days", "review_card_id", "next_review_at", "scheduled_or_adjusted", "displayName", "weekly_points" })
        {
            text.Should().Contain($"\"{name}\"");
        }
    }

    [Fact]
    public async Task Review_documents_404_memory_not_found_as_a_problem()
    {
        var doc = await DocumentAsync();
        var responses = doc.GetProperty("paths").GetProperty("/api/memory/review").GetProperty("post").GetProperty("responses");
        responses.GetProperty("404").GetProperty("content").TryGetProperty("application/problem+json", out _).Should().BeTrue();
    }
}
