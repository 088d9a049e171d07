using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Teski.Api.Tests.Endpoints;

/// <summary>
/// Issue 10: the web client calls <c>/api/memory/...</c> from another origin. The prefix must behave exactly like
/// <c>/memory/...</c>, and browsers need CORS on the real endpoints (not only on test routes).
/// </summary>
public sealed class Issue10Tests(V2DualWriteFixture fixture) : IClassFixture<V2DualWriteFixture>
{
    public static readonly TheoryData<string> DefaultOrigins =
        ["https://teski.app", "https://www.teski.app", "http://localhost:5173", "http://127.0.0.1:5173", "http://localhost:4173", "http://127.0.0.1:4173"];

    private StoreApiFactory Api => fixture.Api;

    [Fact]
    public async Task Both_prefixes_answer_the_same_for_the_same_user()
    {
        var user = Guid.NewGuid().ToString();
        var client = Api.ClientFor(user);
        var memoryId = (await (await client.PostAsJsonAsync("/api/memory/mistake", new { concept = "prefix" })).JsonAsync()).GetProperty("memory_id").GetGuid();

        foreach (var path in new[] { "/stats", "/persona", "/next", "/xp" })
        {
            var viaApi = (await (await client.GetAsync("/api/memory" + path)).JsonAsync()).GetRawText();
            var viaRoot = (await (await client.GetAsync("/memory" + path)).JsonAsync()).GetRawText();
            viaRoot.Should().Be(viaApi, path);
        }

        // A review through one prefix is seen through the other.
        await (await client.PostAsJsonAsync("/memory/review", new { memory_id = memoryId, grade = 3 })).JsonAsync();
        (await (await client.GetAsync("/api/memory/stats")).JsonAsync()).GetProperty("today_reviewed").GetInt32().Should().Be(1);
        (await (await client.PostAsJsonAsync("/api/memory/review", new { memory_id = memoryId, grade = 3 })).JsonAsync()).GetProperty("memory_id").GetGuid().Should().Be(memoryId);
        (await (await client.GetAsync("/memory/stats")).JsonAsync()).GetProperty("today_reviewed").GetInt32().Should().Be(2);
    }

    [Theory]
    [MemberData(nameof(DefaultOrigins))]
    public async Task Preflight_to_the_real_endpoints_from_a_default_origin_allows_credentials_and_the_headers(string origin)
    {
        foreach (var (method, path) in new[] { ("GET", "/api/memory/next"), ("POST", "/api/memory/review"), ("GET", "/api/memory/stats"), ("GET", "/api/memory/persona"), ("POST", "/api/v1/memory/log/v1") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, path);
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", method);
            request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
            var response = await Api.CreateClient().SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.NoContent, path);
            response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal(origin);
            response.Headers.GetValues("Access-Control-Allow-Credentials").Should().Equal("true");
            string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant().Should().Contain("authorization").And.Contain("content-type");
        }
    }

    [Fact]
    public async Task Actual_calls_from_the_web_origin_carry_cors_headers_on_success_and_on_401()
    {
        using var ok = new HttpRequestMessage(HttpMethod.Get, "/api/memory/next");
        ok.Headers.Add("Origin", "http://localhost:5173");
        ok.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Api.Token(Guid.NewGuid().ToString()));
        var response = await Api.CreateClient().SendAsync(ok);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("http://localhost:5173");
        response.Headers.GetValues("Access-Control-Allow-Credentials").Should().Equal("true");

        // Without CORS headers on the 401 the browser would hide the status from the client's fetch wrapper.
        using var anonymous = new HttpRequestMessage(HttpMethod.Get, "/api/memory/next");
        anonymous.Headers.Add("Origin", "http://localhost:5173");
        var denied = await Api.CreateClient().SendAsync(anonymous);
        denied.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        denied.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("http://localhost:5173");
    }

    [Fact]
    public async Task Unknown_origin_gets_no_cors_headers_from_the_real_endpoints()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/memory/review");
        request.Headers.Add("Origin", "https://teski.app.evil.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        var response = await Api.CreateClient().SendAsync(request);
        response.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
        response.Headers.Contains("Access-Control-Allow-Credentials").Should().BeFalse();
    }

    [Fact]
    public async Task Cors_origins_variable_replaces_the_default_list_on_the_real_endpoints()
    {
        var settings = StoreApiFactory.Flags(v2Enabled: true, dualWrite: false);
        settings["TESKI_CORS_ORIGINS"] = """["https://staging.teski.app"]""";
        await using var api = await StoreApiFactory.CreateAsync(settings);
        foreach (var (origin, allowed) in new[] { ("https://staging.teski.app", true), ("https://teski.app", false), ("http://localhost:5173", false) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, "/api/memory/next");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "GET");
            request.Headers.Add("Access-Control-Request-Headers", "authorization");
            (await api.CreateClient().SendAsync(request)).Headers.Contains("Access-Control-Allow-Origin").Should().Be(allowed, origin);
        }
    }

    [Fact]
    public async Task Problem_bodies_are_identical_across_prefixes_apart_from_the_trace()
    {
        var client = Api.ClientFor(Guid.NewGuid().ToString());
        var bodies = new List<string>();
        foreach (var prefix in new[] { "/memory", "/api/memory" })
        {
            var problem = await (await client.PostAsJsonAsync(prefix + "/review", new { memory_id = Guid.Empty, grade = 9 })).ProblemAsync(HttpStatusCode.BadRequest);
            var copy = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(problem.GetRawText())!;
            copy.Remove("trace_id");
            copy.Remove("instance");
            bodies.Add(JsonSerializer.Serialize(copy));
        }
        bodies[1].Should().Be(bodies[0]);
        bodies[0].Should().Contain("memory_id").And.Contain("grade");
    }
}
