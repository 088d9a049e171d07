using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NodaTime;
using Teski.Application.Common.Settings;

namespace Teski.Api.Tests.Endpoints;

/// <summary>The legacy family (memory, personas, leaderboards) on real SQLite stores, stage "legacy only".</summary>
public sealed class LegacyEndpointTests(LegacyOnlyFixture fixture) : IClassFixture<LegacyOnlyFixture>
{
    private static long _nextUser = 10_000 + Random.Shared.Next(0, 1_000_000);

    private StoreApiFactory Api => fixture.Api;

    private static string NewUser() => Interlocked.Increment(ref _nextUser).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Log_v1_review_next_review_result_flow()
    {
        var user = NewUser();
        var client = Api.ClientFor(user);
        var template = "tpl-" + user;

        var logged = (await (await client.PostAsJsonAsync("/api/v1/memory/log/v1", new { template_code = template, error_type = "recall", detail = new { reason = "mixed up the unit" } })).JsonAsync()).ShouldHaveKeys("id");
        var id = logged.GetProperty("id").GetInt64();
        (await Api.ScalarAsync(StoreKind.Legacy, "SELECT error_subtype FROM mistake_logs WHERE id = @p0", id)).Should().Be("unit");
        (await Api.ScalarAsync(StoreKind.Legacy, "SELECT status FROM review_cards WHERE user_id = @p0 AND template_code = @p1", long.Parse(user, System.Globalization.CultureInfo.InvariantCulture), template)).Should().Be("scheduled");

        // The new card is due at now + 20 min.
        (await (await client.GetAsync("/api/v1/memory/review/next")).JsonAsync()).ShouldHaveKeys("items").GetProperty("items").GetArrayLength().Should().Be(0);
        Api.Clock.Advance(Duration.FromMinutes(21));
        var next = (await (await client.GetAsync($"/api/v1/memory/review/next?count=2&user_id={user}")).JsonAsync()).ShouldHaveKeys("items");
        var item = next.GetProperty("items").EnumerateArray().Should().ContainSingle().Subject.ShouldHaveKeys("type", "review_card_id", "template_code", "instance_id", "prompt");
        item.GetProperty("type").GetString().Should().Be("review");
        item.GetProperty("review_card_id").GetInt64().Should().BePositive();
        item.GetProperty("template_code").GetString().Should().Be(template);
        item.GetProperty("prompt").GetString().Should().NotBeNullOrWhiteSpace();

        var result = (await (await client.PostAsync($"/api/v1/memory/review/result?template_code={template}&correct=true", null)).JsonAsync())
            .ShouldHaveKeys("next_review_at", "easiness", "interval_days");
        result.GetProperty("easiness").GetDouble().Should().BeApproximately(2.4, 1e-9);
        result.GetProperty("interval_days").GetDouble().Should().Be(1);
        var nextReviewAt = DateTimeOffset.Parse(result.GetProperty("next_review_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        nextReviewAt.Should().BeCloseTo(Api.Clock.GetCurrentInstant().Plus(Duration.FromDays(1)).ToDateTimeOffset(), TimeSpan.FromSeconds(1));
        (await Api.ScalarAsync(StoreKind.Legacy, "SELECT status FROM review_cards WHERE user_id = @p0 AND template_code = @p1", long.Parse(user, System.Globalization.CultureInfo.InvariantCulture), template)).Should().Be("completed");
    }

    [Fact]
    public async Task Log_plan_next_mastered_and_build_have_their_shapes()
    {
        var user = NewUser();
        var client = Api.ClientFor(user);
        var template = "plan-" + user;

        var logged = (await (await client.PostAsJsonAsync("/api/v1/memory/log", new { template_code = template, skill_id = 7, error_type = "concept", detail = new { } })).JsonAsync()).ShouldHaveKeys("id");
        (await Api.CountAsync(StoreKind.Legacy, "SELECT COUNT(*) FROM mistake_logs WHERE id = @p0 AND error_type = 'concept'", logged.GetProperty("id").GetInt64())).Should().Be(1);
        (await Api.CountAsync(StoreKind.Legacy, "SELECT mistake_count FROM memory_stats WHERE user_id = @p0 AND skill_id = 7", long.Parse(user, System.Globalization.CultureInfo.InvariantCulture))).Should().Be(1);

        (await (await client.PostAsJsonAsync("/api/v1/memory/plan", new { count = 3, horizon_minutes = 1440 })).JsonAsync()).ShouldHaveKeys("scheduled").GetProperty("scheduled").GetInt32().Should().Be(1);
        Api.Clock.Advance(Duration.FromHours(3));
        var next = (await (await client.GetAsync($"/api/v1/memory/next?limit=3&user_id={user}")).JsonAsync()).ShouldHaveKeys("items");
        next.GetProperty("items").EnumerateArray().Should().ContainSingle().Subject.ShouldHaveKeys("type", "template_code", "instance_id")
            .GetProperty("template_code").GetString().Should().Be(template);
        next.GetProperty("items")[0].GetProperty("type").GetString().Should().Be("resurface");

        (await (await client.PostAsJsonAsync("/api/v1/memory/review/build", new { max_new = 3 })).JsonAsync()).ShouldHaveKeys("scheduled_or_adjusted");

        var mastered = (await (await client.PostAsync($"/api/v1/memory/mastered?template_code={template}", null)).JsonAsync()).ShouldHaveKeys("resolved");
        mastered.GetProperty("resolved").GetInt32().Should().Be(1);
        (await Api.CountAsync(StoreKind.Legacy, "SELECT COUNT(*) FROM mistake_logs WHERE template_code = @p0 AND resolved_at IS NULL", template)).Should().Be(0);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10")]
    public async Task Legacy_next_with_a_non_integer_user_id_is_an_empty_list(string userId)
    {
        var json = await (await Api.ClientFor(NewUser()).GetAsync("/api/v1/memory/next?user_id=" + userId)).JsonAsync();
        json.ShouldHaveKeys("items").GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Review_result_for_an_unknown_card_is_404_review_card_not_found()
    {
        var problem = await (await Api.ClientFor(NewUser()).PostAsync("/api/v1/memory/review/result?template_code=never-logged&correct=false", null)).ProblemAsync(HttpStatusCode.NotFound);
        problem.Code().Should().Be("review_card_not_found");
    }

    [Fact]
    public async Task Personas_list_get_and_preview_use_camel_case_display_name()
    {
        var client = Api.ClientFor(NewUser());
        var list = (await (await client.GetAsync("/api/v1/personas/")).JsonAsync()).ShouldHaveKeys("items");
        var codes = list.GetProperty("items").EnumerateArray().Select(p => p.ShouldHaveKeys("code", "displayName").GetProperty("code").GetString()).ToList();
        codes.Should().Contain(["mood_calm_v1", "mood_snark_v1", "mood_disappointed_v1", "mood_intervention_v1", "mood_done_v1"]);

        var calm = (await (await client.GetAsync("/api/v1/personas/mood_calm_v1")).JsonAsync()).ShouldHaveKeys("code", "displayName", "config");
        calm.GetProperty("config").ValueKind.Should().Be(JsonValueKind.Object);

        var preview = await (await client.PostAsync("/api/v1/personas/nudge/preview", Json("""{"phase":"preTask","context":{"minutesToDue":30,"overdue":false,"repeatedDeferrals":1}}"""))).JsonAsync();
        preview.ShouldHaveKeys("mood", "phase", "text", "persona");
        preview.GetProperty("mood").GetString().Should().Be("mood_disappointed_v1");
        preview.GetProperty("persona").ShouldHaveKeys("code", "displayName").GetProperty("code").GetString().Should().Be("mood_disappointed_v1");
    }

    [Theory]
    [InlineData("/api/v1/personas/nope")]
    [InlineData("/api/v1/personas/mood_unknown_v9")]
    public async Task Unknown_persona_is_404_persona_not_found(string path)
    {
        (await (await Api.ClientFor(NewUser()).GetAsync(path)).ProblemAsync(HttpStatusCode.NotFound)).Code().Should().Be("persona_not_found");
    }

    [Fact]
    public async Task Leaderboard_award_adds_to_the_weekly_score()
    {
        var user = NewUser();
        var userId = long.Parse(user, System.Globalization.CultureInfo.InvariantCulture);
        await Api.InsertLegacyUserAsync(userId);
        var board = Convert.ToInt64(await Api.ScalarAsync(StoreKind.Legacy,
            "INSERT INTO leaderboard (name, course_id, join_code, created_at, creator_user_id) VALUES ('Algebra', NULL, @p0, '2025-01-01 00:00:00.000000', @p1); SELECT last_insert_rowid();",
            "J" + user, userId), System.Globalization.CultureInfo.InvariantCulture);
        var client = Api.ClientFor(user);

        var first = (await (await client.PostAsJsonAsync($"/leaderboards/{board}/award", new { user_id = user, event_type = "task_completed" })).JsonAsync())
            .ShouldHaveKeys("id", "leaderboard_id", "event_type", "points", "week_year", "week_number", "weekly_points");
        first.GetProperty("points").GetInt32().Should().Be(10);
        first.GetProperty("leaderboard_id").GetInt64().Should().Be(board);
        var second = await (await client.PostAsJsonAsync($"/leaderboards/{board}/award", new { event_type = "deadline_beaten", points = 7 })).JsonAsync();
        second.GetProperty("points").GetInt32().Should().Be(7);
        second.GetProperty("weekly_points").GetInt32().Should().Be(17);
        (await Api.CountAsync(StoreKind.Legacy, "SELECT COUNT(*) FROM pointsevent WHERE leaderboard_id = @p0", board)).Should().Be(2);

        (await (await client.PostAsJsonAsync("/leaderboards/987654/award", new { event_type = "task_completed" })).ProblemAsync(HttpStatusCode.NotFound)).Code().Should().Be("leaderboard_not_found");
        (await (await client.PostAsJsonAsync($"/leaderboards/{board}/award", new { user_id = "1", event_type = "task_completed" })).ProblemAsync(HttpStatusCode.Forbidden)).Code().Should().Be("user_id_mismatch");
    }

    public static TheoryData<string, string> AllLegacyRequests() => new()
    {
        { "POST", "/api/v1/memory/log" },
        { "POST", "/api/v1/memory/log/v1" },
        { "POST", "/api/v1/memory/mastered?template_code=t" },
        { "POST", "/api/v1/memory/plan" },
        { "GET", "/api/v1/memory/next" },
        { "POST", "/api/v1/memory/review/build" },
        { "GET", "/api/v1/memory/review/next" },
        { "POST", "/api/v1/memory/review/result?template_code=t&correct=true" },
        { "GET", "/api/v1/personas/" },
        { "GET", "/api/v1/personas/mood_calm_v1" },
        { "POST", "/api/v1/personas/nudge/preview" },
        { "POST", "/leaderboards/1/award" },
    };

    private static HttpRequestMessage Request(string method, string path, string? token = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = Json("""{"phase":"preTask","event_type":"task_completed","error_type":"other"}""");
        }
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    [Theory]
    [MemberData(nameof(AllLegacyRequests))]
    public async Task Every_legacy_endpoint_is_401_problem_without_a_token(string method, string path)
    {
        using var request = Request(method, path);
        (await (await Api.CreateClient().SendAsync(request)).ProblemAsync(HttpStatusCode.Unauthorized)).Code().Should().Be("unauthorized");
    }

    [Theory]
    [MemberData(nameof(AllLegacyRequests))]
    public async Task Every_legacy_endpoint_is_403_when_the_query_user_id_names_someone_else(string method, string path)
    {
        using var request = Request(method, path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "user_id=1", Api.Token(NewUser()));
        (await (await Api.CreateClient().SendAsync(request)).ProblemAsync(HttpStatusCode.Forbidden)).Code().Should().Be("user_id_mismatch");
    }

    [Theory]
    [InlineData("/api/v1/memory/log", """{"error_type":"bogus"}""", "error_type")]
    [InlineData("/api/v1/memory/log", """{"error_type":7}""", "error_type")]
    [InlineData("/api/v1/memory/log", """{"skill_id":"abc"}""", "skill_id")]
    [InlineData("/api/v1/memory/log", """{"instance_id":1.5}""", "instance_id")]
    [InlineData("/api/v1/memory/log/v1", """{"template_code":"t","error_subtype":"bogus"}""", "error_subtype")]
    [InlineData("/api/v1/memory/log/v1", """[1,2]""", "body")]
    [InlineData("/api/v1/memory/plan", """{"count":0}""", "count")]
    [InlineData("/api/v1/memory/plan", """{"count":"three"}""", "count")]
    [InlineData("/api/v1/memory/review/build", """{"max_new":-1}""", "max_new")]
    [InlineData("/api/v1/personas/nudge/preview", "{}", "phase")]
    [InlineData("/api/v1/personas/nudge/preview", """{"phase":"preTask","context":{"overdue":"yes"}}""", "context.overdue")]
    [InlineData("/leaderboards/1/award", "{}", "event_type")]
    [InlineData("/leaderboards/1/award", """{"event_type":"task_completed","points":"ten"}""", "points")]
    public async Task Bad_legacy_bodies_are_400_naming_the_field(string path, string body, string field)
    {
        var problem = await (await Api.ClientFor(NewUser()).PostAsync(path, Json(body))).ProblemAsync(HttpStatusCode.BadRequest);
        problem.Code().Should().Be("validation_failed");
        problem.ErrorFields().Should().Contain(field);
    }

    [Theory]
    [InlineData("POST", "/api/v1/memory/review/result?template_code=t", "correct")]
    [InlineData("POST", "/api/v1/memory/review/result?template_code=t&correct=maybe", "correct")]
    [InlineData("POST", "/api/v1/memory/review/result?correct=true", "template_code")]
    [InlineData("POST", "/api/v1/memory/mastered", "template_code")]
    [InlineData("GET", "/api/v1/memory/review/next?count=0", "count")]
    [InlineData("GET", "/api/v1/memory/review/next?count=51", "count")]
    [InlineData("GET", "/api/v1/memory/next?limit=51", "limit")]
    [InlineData("GET", "/api/v1/memory/next?limit=x", "limit")]
    public async Task Bad_legacy_queries_are_400_naming_the_field(string method, string path, string field)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var problem = await (await Api.ClientFor(NewUser()).SendAsync(request)).ProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().Should().Equal(field);
    }

    [Fact]
    public async Task Oversized_legacy_body_is_413()
    {
        var body = JsonSerializer.Serialize(new { template_code = "big", detail = new { pad = new string('x', 70 * 1024) } });
        (await (await Api.ClientFor(NewUser()).PostAsync("/api/v1/memory/log/v1", Json(body))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Code().Should().Be("payload_too_large");
        (await Api.CountAsync(StoreKind.Legacy, "SELECT COUNT(*) FROM mistake_logs WHERE template_code = 'big'")).Should().Be(0);
    }

    [Theory]
    [InlineData("/memory/next")]
    [InlineData("/api/memory/stats")]
    [InlineData("/api/memory/persona")]
    public async Task V2_family_is_404_not_found_while_v2_is_off(string path)
    {
        (await (await Api.ClientFor(Guid.NewGuid().ToString()).GetAsync(path)).ProblemAsync(HttpStatusCode.NotFound)).Code().Should().Be("not_found");
        (await (await Api.ClientFor(Guid.NewGuid().ToString()).PostAsJsonAsync("/api/memory/mistake", new { concept = "x" })).ProblemAsync(HttpStatusCode.NotFound)).Code().Should().Be("not_found");
    }

    [Fact]
    public async Task Legacy_id_token_and_uuid_token_of_the_same_person_are_accepted_for_each_others_user_id()
    {
        var user = NewUser();
        var uuid = Guid.NewGuid();
        await Api.InsertLegacyUserAsync(long.Parse(user, System.Globalization.CultureInfo.InvariantCulture), uuid);

        (await Api.ClientFor(user).GetAsync($"/api/v1/memory/review/next?user_id={uuid}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.ClientFor(uuid.ToString()).GetAsync($"/api/v1/memory/review/next?user_id={user}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.ClientFor(uuid.ToString()).PostAsJsonAsync("/api/v1/personas/nudge/preview?user_id=" + user, new { phase = "preTask" })).StatusCode.Should().Be(HttpStatusCode.OK);
        // Someone else's UUID is still refused.
        (await Api.ClientFor(user).GetAsync($"/api/v1/memory/review/next?user_id={Guid.NewGuid()}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }
}
