using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Teski.Api.Health;

namespace Teski.Api.Tests;

public sealed class HostTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task V2_group_is_404_while_the_flag_is_off_even_with_a_token()
    {
        using var off = ApiFactory.With(new Dictionary<string, string?> { ["TESKI_MEMORY_V2_ENABLED"] = "off" });
        var client = off.ClientFor("1");
        foreach (var path in new[] { "/memory/test/whoami", "/api/memory/test/whoami" })
        {
            (await (await client.GetAsync(path)).ProblemAsync(HttpStatusCode.NotFound)).Code().Should().Be("not_found");
        }
        (await off.CreateClient().GetAsync("/memory/test/whoami")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await client.GetAsync("/api/v1/test/whoami")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Kill_switch_makes_v2_answer_503_and_leaves_legacy_alone()
    {
        using var killed = ApiFactory.With(new Dictionary<string, string?> { ["KILL_SWITCH"] = "1" });
        var client = killed.ClientFor("1");
        (await (await client.GetAsync("/api/memory/test/whoami")).ProblemAsync(HttpStatusCode.ServiceUnavailable)).Code().Should().Be("kill_switch");
        (await client.GetAsync("/api/v1/test/whoami")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Cors_preflight_from_an_allowed_origin_is_answered_without_authentication()
    {
        var response = await api.CreateClient().SendAsync(Preflight("http://localhost:5173", "/api/memory/test/echo"));
        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("http://localhost:5173");
        response.Headers.GetValues("Access-Control-Allow-Credentials").Should().Equal("true");
        string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant().Should().Contain("authorization").And.Contain("content-type");
    }

    [Fact]
    public async Task Cors_gives_an_unknown_origin_no_headers()
    {
        var response = await api.CreateClient().SendAsync(Preflight("https://evil.example", "/api/memory/test/echo"));
        response.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();

        using var get = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        get.Headers.Add("Origin", "https://evil.example");
        (await api.CreateClient().SendAsync(get)).Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Fact]
    public async Task Cors_simple_request_from_an_allowed_origin_gets_the_headers()
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        get.Headers.Add("Origin", "https://teski.app");
        var response = await api.CreateClient().SendAsync(get);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("https://teski.app");
    }

    [Fact]
    public async Task Cors_origins_variable_replaces_the_default_list()
    {
        using var custom = ApiFactory.With(new Dictionary<string, string?> { ["TESKI_CORS_ORIGINS"] = "https://staging.teski.app, http://localhost:3000" });
        var client = custom.CreateClient();
        (await client.SendAsync(Preflight("http://localhost:3000", "/api/v1/test/echo"))).Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("http://localhost:3000");
        (await client.SendAsync(Preflight("http://localhost:5173", "/api/v1/test/echo"))).Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Fact]
    public async Task Health_live_is_200_and_ready_is_200_with_no_probes()
    {
        (await api.CreateClient().GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await api.CreateClient().GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Health_ready_is_503_when_a_probe_is_not_ready_while_live_stays_200()
    {
        using var factory = ApiFactory.With(null, s => s.AddSingleton<IReadinessProbe>(new FixedProbe("v2 store", ReadinessResult.NotReady("migrations pending"))));
        var client = factory.CreateClient();
        var response = await client.GetAsync("/health/ready");
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await response.Content.ReadAsStringAsync()).Should().Contain("migrations pending");
        (await client.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Metrics_expose_request_and_dual_write_figures()
    {
        await api.CreateClient().GetAsync("/health/live");
        var text = await api.CreateClient().GetStringAsync("/metrics");
        foreach (var name in new[] { "teski_mirror_applied_total", "teski_mirror_deferred_total", "teski_mirror_inline_total", "teski_mirror_failed_attempts_total", "teski_mirror_backlog_depth", "teski_mirror_backlog_oldest_age_seconds", "teski_shadow_read_mismatches_total", "teski_backfill_rows_total", "http_requests_received_total" })
        {
            text.Should().Contain(name);
        }
    }

    [Fact]
    public async Task OpenApi_document_is_json_with_paths_and_the_bearer_scheme()
    {
        var json = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;
        json.GetProperty("paths").TryGetProperty("/api/memory/test/echo", out _).Should().BeTrue();
        json.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString().Should().Be("bearer");
    }

    private static HttpRequestMessage Preflight(string origin, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    private sealed class FixedProbe(string name, ReadinessResult result) : IReadinessProbe
    {
        public string Name => name;

        public Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken) => Task.FromResult(result);
    }
}
