using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Teski.Api.Endpoints;

namespace Teski.Api.Tests;

/// <summary>TESKI_MAX_CONCURRENT_REQUESTS / TESKI_REQUEST_QUEUE_LIMIT: the API's requests in flight, through the real pipeline.</summary>
public sealed class RequestConcurrencyTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Over_the_limit_with_no_queue_is_503_problem_with_retry_after_and_health_still_answers()
    {
        var hold = new Hold();
        using var api = Factory(hold, permits: "1", queue: "0");
        var client = api.ClientFor("7");

        var first = client.GetAsync("/memory/test/hold");
        (await hold.Entered.WaitAsync(Wait)).Should().BeTrue();

        foreach (var path in new[] { "/memory/test/whoami", "/api/memory/test/whoami", "/api/v1/test/whoami" })
        {
            var rejected = await client.GetAsync(path);
            rejected.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, path);
            rejected.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            rejected.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
            var problem = await rejected.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("status").GetInt32().Should().Be(503);
            problem.GetProperty("code").GetString().Should().Be("service_unavailable");
        }
        (await api.CreateClient().GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);

        hold.Release.SetResult();
        (await first).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync("/memory/test/whoami")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_queued_request_waits_for_the_slot_and_is_then_served()
    {
        var hold = new Hold();
        using var api = Factory(hold, permits: "1", queue: "5");
        var client = api.ClientFor("7");

        var first = client.GetAsync("/memory/test/hold");
        (await hold.Entered.WaitAsync(Wait)).Should().BeTrue();
        var queued = client.GetAsync("/api/v1/test/whoami");
        await Task.Delay(300);
        queued.IsCompleted.Should().BeFalse("the only slot is taken and the queue has room");

        hold.Release.SetResult();
        (await first).StatusCode.Should().Be(HttpStatusCode.OK);
        (await queued.WaitAsync(Wait)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Zero_means_no_limit()
    {
        var hold = new Hold();
        using var api = Factory(hold, permits: "0", queue: "0");
        var client = api.ClientFor("7");

        var requests = new[] { client.GetAsync("/memory/test/hold"), client.GetAsync("/memory/test/hold"), client.GetAsync("/api/v1/test/hold") };
        for (var i = 0; i < requests.Length; i++)
        {
            (await hold.Entered.WaitAsync(Wait)).Should().BeTrue($"request {i + 1} is in flight with the others");
        }
        hold.Release.SetResult();
        foreach (var response in await Task.WhenAll(requests))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }
    }

    private static ApiFactory Factory(Hold hold, string permits, string queue) => ApiFactory.With(
        new Dictionary<string, string?> { ["TESKI_MAX_CONCURRENT_REQUESTS"] = permits, ["TESKI_REQUEST_QUEUE_LIMIT"] = queue },
        services => services.AddSingleton<IEndpointModule>(new HoldEndpoints(hold)));

    private sealed class Hold
    {
        public SemaphoreSlim Entered { get; } = new(0);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>An endpoint on each family's group that stays in flight until the test releases it.</summary>
    private sealed class HoldEndpoints(Hold hold) : IEndpointModule
    {
        public void Map(IEndpointRouteBuilder app)
        {
            app.MapV2(group => group.MapGet("/test/hold", Held));
            app.MapLegacyGroup().MapGet("/test/hold", Held);
        }

        private async Task<IResult> Held()
        {
            hold.Entered.Release();
            await hold.Release.Task;
            return Results.Ok(new { held = true });
        }
    }
}
