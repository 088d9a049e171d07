using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NodaTime;
using Teski.Application.Common.Settings;

namespace Teski.Api.Tests.Endpoints;

/// <summary>The v2 family on real SQLite stores, stage "dual-write, v2 primary"; every test uses fresh users.</summary>
public sealed class V2EndpointTests(V2DualWriteFixture fixture) : IClassFixture<V2DualWriteFixture>
{
    public static readonly TheoryData<string> Prefixes = ["/memory", "/api/memory"];

    private StoreApiFactory Api => fixture.Api;

    private static string NewUser() => Guid.NewGuid().ToString("D");

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<JsonElement> LogMistakeAsync(HttpClient client, string prefix, string concept, string? userId = null)
    {
        var body = userId is null ? (object)new { concept, raw = "2x+3=7 → x=5" } : new { user_id = userId, concept, raw = "2x+3=7 → x=5" };
        return await (await client.PostAsJsonAsync(prefix + "/mistake", body)).JsonAsync();
    }

    [Theory]
    [MemberData(nameof(Prefixes))]
    public async Task Mistake_next_review_stats_flow_has_the_spec_shapes(string prefix)
    {
        var user = NewUser();
        var client = Api.ClientFor(user);

        var mistake = (await LogMistakeAsync(client, prefix, "algebra.linear", user)).ShouldHaveKeys("memory_id", "concept", "subtype");
        mistake.GetProperty("concept").GetString().Should().Be("algebra.linear");
        var memoryId = mistake.GetProperty("memory_id").GetGuid();
        mistake.GetProperty("subtype").GetString().Should().NotBeNullOrEmpty();

        // Due at now + SRS_LEEWAY_MIN (10): not yet due, then due once the clock passes it.
        var before = (await (await client.GetAsync($"{prefix}/next?user_id={user}")).JsonAsync()).ShouldHaveKeys("items", "remaining_today");
        before.GetProperty("items").GetArrayLength().Should().Be(0);
        Api.Clock.Advance(Duration.FromMinutes(11));

        var next = (await (await client.GetAsync($"{prefix}/next?user_id={user}&limit=5")).JsonAsync()).ShouldHaveKeys("items", "remaining_today");
        next.GetProperty("remaining_today").GetInt32().Should().Be(60);
        var item = next.GetProperty("items").EnumerateArray().Should().ContainSingle().Subject.ShouldHaveKeys("memory_id", "concept", "due_at");
        item.GetProperty("memory_id").GetGuid().Should().Be(memoryId);
        item.GetProperty("concept").GetString().Should().Be("algebra.linear");
        DateTimeOffset.Parse(item.GetProperty("due_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture).Should().BeBefore(Api.Clock.GetCurrentInstant().ToDateTimeOffset());

        var review = (await (await client.PostAsJsonAsync(prefix + "/review", new { user_id = user, memory_id = memoryId, grade = 5 })).JsonAsync())
            .ShouldHaveKeys("memory_id", "concept", "next_due_at", "interval_days", "ease", "xp_awarded", "persona_msg");
        review.GetProperty("memory_id").GetGuid().Should().Be(memoryId);
        review.GetProperty("interval_days").GetInt32().Should().Be(3); // max(1, round(1 · (2.6 + 2 · 0.15))) = 3 with the new ease 2.6
        review.GetProperty("ease").GetDouble().Should().BeApproximately(2.6, 1e-9);
        review.GetProperty("xp_awarded").GetInt32().Should().Be(10);
        review.GetProperty("persona_msg").GetString().Should().NotBeNullOrWhiteSpace();

        var stats = (await (await client.GetAsync($"{prefix}/stats?user_id={user}")).JsonAsync()).ShouldHaveKeys(
            "user_id", "today_reviewed", "daily_cap", "streak_days", "due_count", "exercises_correct_today", "exercises_incorrect_today", "suggested_new_exercises");
        stats.GetProperty("user_id").GetString().Should().Be(user);
        stats.GetProperty("today_reviewed").GetInt32().Should().Be(1);
        stats.GetProperty("daily_cap").GetInt32().Should().Be(60);
        stats.GetProperty("due_count").GetInt32().Should().Be(0);

        var after = await (await client.GetAsync($"{prefix}/next")).JsonAsync();
        after.GetProperty("items").GetArrayLength().Should().Be(0);
        after.GetProperty("remaining_today").GetInt32().Should().Be(59);
    }

    [Theory]
    [MemberData(nameof(Prefixes))]
    public async Task Persona_ab_xp_and_badges_have_their_shapes(string prefix)
    {
        var user = NewUser();
        var client = Api.ClientFor(user);

        var persona = (await (await client.GetAsync($"{prefix}/persona?user_id={user}")).JsonAsync()).ShouldHaveKeys("user_id", "persona", "warmup", "copy", "warmup_ts");
        persona.GetProperty("user_id").GetString().Should().Be(user);
        persona.GetProperty("persona").GetString()!.ToLowerInvariant().Should().Be("calm");
        persona.GetProperty("warmup").ValueKind.Should().BeOneOf(JsonValueKind.True, JsonValueKind.False);
        persona.GetProperty("copy").GetString().Should().NotBeNullOrWhiteSpace();

        var ab = (await (await client.PostAsJsonAsync(prefix + "/ab/assign", new { user_id = user, experiment = "memory_v1" })).JsonAsync()).ShouldHaveKeys("bucket");
        ab.GetProperty("bucket").GetString().Should().BeOneOf("control", "variant_a");
        var again = await (await client.PostAsJsonAsync(prefix + "/ab/assign", new { experiment = "memory_v1" })).JsonAsync();
        again.GetProperty("bucket").GetString().Should().Be(ab.GetProperty("bucket").GetString());

        await LogMistakeAsync(client, prefix, "fractions");
        var xp = (await (await client.GetAsync($"{prefix}/xp")).JsonAsync()).ShouldHaveKeys("user_id", "total_xp", "streak_days", "last_event");
        xp.GetProperty("user_id").GetString().Should().Be(user);
        xp.GetProperty("total_xp").GetInt32().Should().Be(3);
        xp.GetProperty("last_event").ShouldHaveKeys("amount", "reason", "ts").GetProperty("reason").GetString().Should().Be("mistake");

        var badges = (await (await client.GetAsync($"{prefix}/badges")).JsonAsync()).ShouldHaveKeys("user_id", "items");
        badges.GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Unknown_user_is_created_on_first_use_with_empty_stats()
    {
        var user = NewUser();
        var stats = await (await Api.ClientFor(user).GetAsync("/api/memory/stats")).JsonAsync();
        stats.GetProperty("user_id").GetString().Should().Be(user);
        stats.GetProperty("today_reviewed").GetInt32().Should().Be(0);
        stats.GetProperty("streak_days").GetInt32().Should().Be(0);
        // Reads answer for an unknown user without storing them; the first write creates the row.
        (await Api.ClientFor(user).PostAsJsonAsync("/api/memory/ab/assign", new { experiment = "first_use" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM \"user\" WHERE id = @p0", Guid.Parse(user).ToString("N"))).Should().Be(1);
    }

    public static TheoryData<string, string> AllV2Requests()
    {
        var data = new TheoryData<string, string>();
        foreach (var prefix in new[] { "/memory", "/api/memory" })
        {
            foreach (var (method, path) in new[] { ("POST", "/mistake"), ("GET", "/next"), ("POST", "/review"), ("GET", "/persona"), ("GET", "/stats"), ("POST", "/ab/assign"), ("GET", "/xp"), ("GET", "/badges") })
            {
                data.Add(method, prefix + path);
            }
        }
        return data;
    }

    internal static HttpRequestMessage Request(string method, string path, string? token = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = Json("""{"concept":"x","memory_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":3,"experiment":"e"}""");
        }
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    [Theory]
    [MemberData(nameof(AllV2Requests))]
    public async Task Every_v2_endpoint_is_401_problem_without_a_token(string method, string path)
    {
        using var request = Request(method, path);
        (await (await Api.CreateClient().SendAsync(request)).ProblemAsync(HttpStatusCode.Unauthorized)).Code().Should().Be("unauthorized");
    }

    [Theory]
    [MemberData(nameof(AllV2Requests))]
    public async Task Every_v2_endpoint_is_403_when_the_query_user_id_names_someone_else(string method, string path)
    {
        using var request = Request(method, path + "?user_id=" + NewUser(), Api.Token(NewUser()));
        (await (await Api.CreateClient().SendAsync(request)).ProblemAsync(HttpStatusCode.Forbidden)).Code().Should().Be("user_id_mismatch");
    }

    [Theory]
    [InlineData("/memory/mistake", """{"user_id":"USER","concept":"x"}""")]
    [InlineData("/api/memory/review", """{"user_id":"USER","memory_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":3}""")]
    [InlineData("/api/memory/ab/assign", """{"user_id":"USER","experiment":"e"}""")]
    [InlineData("/memory/mistake", """{"user_id":"42","concept":"x"}""")]
    public async Task Body_user_id_naming_someone_else_is_403(string path, string body)
    {
        var caller = NewUser();
        var response = await Api.ClientFor(caller).PostAsync(path, Json(body.Replace("USER", NewUser(), StringComparison.Ordinal)));
        (await response.ProblemAsync(HttpStatusCode.Forbidden)).Code().Should().Be("user_id_mismatch");
        (await Api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM mistake WHERE user_id = @p0", Guid.Parse(caller).ToString("N"))).Should().Be(0);
    }

    [Theory]
    [MemberData(nameof(Prefixes))]
    public async Task Review_of_an_unknown_or_someone_elses_item_is_404_memory_not_found(string prefix)
    {
        var owner = NewUser();
        var memoryId = (await LogMistakeAsync(Api.ClientFor(owner), prefix, "limits")).GetProperty("memory_id").GetGuid();
        var intruder = Api.ClientFor(NewUser());

        foreach (var id in new[] { memoryId, Guid.NewGuid() })
        {
            var problem = await (await intruder.PostAsJsonAsync(prefix + "/review", new { memory_id = id, grade = 4 })).ProblemAsync(HttpStatusCode.NotFound);
            problem.Code().Should().Be("memory_not_found");
            problem.GetProperty("detail").GetString().Should().Be("memory_not_found");
        }
        (await Api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM reviewlog WHERE memory_id = @p0", memoryId.ToString("N"))).Should().Be(0);
    }

    [Theory]
    [InlineData("/memory/mistake", "{}", "concept")]
    [InlineData("/memory/mistake", """{"concept":""}""", "concept")]
    [InlineData("/memory/mistake", """{"concept":5}""", "concept")]
    [InlineData("/api/memory/mistake", """{"concept":"x","task_id":"not-a-uuid"}""", "task_id")]
    [InlineData("/api/memory/mistake", """{"concept":"x","raw":["a"]}""", "raw")]
    [InlineData("/memory/review", """{"grade":3}""", "memory_id")]
    [InlineData("/memory/review", """{"memory_id":"nope","grade":3}""", "memory_id")]
    [InlineData("/memory/review", """{"memory_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":9}""", "grade")]
    [InlineData("/api/memory/review", """{"memory_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":-1}""", "grade")]
    [InlineData("/api/memory/review", """{"memory_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":"five"}""", "grade")]
    [InlineData("/api/memory/review", """{"memory_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10"}""", "grade")]
    [InlineData("/memory/ab/assign", "{}", "experiment")]
    [InlineData("/memory/mistake", """{"concept":"x",""", "body")]
    public async Task Bad_v2_bodies_are_400_naming_the_field(string path, string body, string field)
    {
        var problem = await (await Api.ClientFor(NewUser()).PostAsync(path, Json(body))).ProblemAsync(HttpStatusCode.BadRequest);
        problem.Code().Should().Be("validation_failed");
        problem.ErrorFields().Should().Contain(field);
    }

    [Theory]
    [InlineData("/memory/next?limit=51", "limit")]
    [InlineData("/memory/next?limit=0", "limit")]
    [InlineData("/api/memory/next?limit=ten", "limit")]
    [InlineData("/api/memory/stats?user_id=not-a-user", "user_id")]
    public async Task Bad_v2_queries_are_400_naming_the_field(string path, string field)
    {
        var problem = await (await Api.ClientFor(NewUser()).GetAsync(path)).ProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().Should().Equal(field);
    }

    [Fact]
    public async Task Limit_50_is_accepted()
    {
        (await Api.ClientFor(NewUser()).GetAsync("/memory/next?limit=50")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Oversized_body_is_413_and_writes_nothing()
    {
        var user = NewUser();
        var body = JsonSerializer.Serialize(new { concept = "huge", raw = new string('x', 70 * 1024) });
        (await (await Api.ClientFor(user).PostAsync("/api/memory/mistake", Json(body))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Code().Should().Be("payload_too_large");
        (await Api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM mistake WHERE concept = 'huge'")).Should().Be(0);
    }

    [Fact]
    public async Task Dual_write_a_v2_mistake_shows_up_in_the_legacy_store()
    {
        var user = NewUser();
        var concept = "mirror-" + Guid.NewGuid().ToString("N")[..8];
        await LogMistakeAsync(Api.ClientFor(user), "/api/memory", concept);
        (await Api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM mistake WHERE concept = @p0", concept)).Should().Be(1);
        (await Api.WaitForCountAsync(StoreKind.Legacy, "SELECT COUNT(*) FROM mistake_logs WHERE template_code = @p0", 1, concept)).Should().Be(1);
        // The mirror created the person in the legacy store, once, under their UUID.
        (await Api.CountAsync(StoreKind.Legacy, "SELECT COUNT(*) FROM \"user\" WHERE external_user_id = @p0", user)).Should().Be(1);
    }

    [Fact]
    public async Task Health_ready_is_200_on_initialised_stores_and_metrics_carry_the_mirror_counter()
    {
        var client = Api.CreateClient();
        var ready = await client.GetAsync("/health/ready");
        (await ready.Content.ReadAsStringAsync()).Should().Contain("ready");
        ready.StatusCode.Should().Be(HttpStatusCode.OK);
        await LogMistakeAsync(Api.ClientFor(NewUser()), "/memory", "metrics");
        var metrics = await client.GetStringAsync("/metrics");
        metrics.Should().Contain("teski_mirror_applied_total");
    }
}
