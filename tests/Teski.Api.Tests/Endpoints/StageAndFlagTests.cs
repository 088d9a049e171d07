using System.Net;
using System.Net.Http.Json;
using NodaTime;
using Teski.Application.Common.Settings;
using Teski.Infrastructure.Persistence;

namespace Teski.Api.Tests.Endpoints;

/// <summary>Flags that need their own service: kill switch, v2 only, trusted header; and the representative flows on PostgreSQL.</summary>
public sealed class StageAndFlagTests
{
    [Fact]
    public async Task Kill_switch_answers_503_on_every_v2_endpoint_and_leaves_legacy_alone()
    {
        var settings = StoreApiFactory.Flags(v2Enabled: true, dualWrite: false);
        settings["KILL_SWITCH"] = "true";
        await using var api = await StoreApiFactory.CreateAsync(settings);
        var token = api.Token(Guid.NewGuid().ToString());
        foreach (var (method, path) in V2EndpointTests.AllV2Requests().Select(row => ((string)row[0], (string)row[1])))
        {
            using var request = V2EndpointTests.Request(method, path, token);
            (await (await api.CreateClient().SendAsync(request)).ProblemAsync(HttpStatusCode.ServiceUnavailable)).Code().Should().Be("kill_switch", path);
        }
        (await api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM mistake")).Should().Be(0);
        (await (await api.ClientFor("5").GetAsync("/api/v1/personas/")).JsonAsync()).GetProperty("items").GetArrayLength().Should().BePositive();
    }

    [Fact]
    public async Task V2_only_legacy_id_and_uuid_tokens_of_one_person_are_accepted_for_each_others_user_id()
    {
        await using var api = await StoreApiFactory.CreateAsync(StoreApiFactory.Flags(v2Enabled: true, dualWrite: false));
        var uuid = Guid.NewGuid();
        // The person exists in v2 (created on first use) and legacy_user_map says legacy id 42 is them.
        (await api.ClientFor(uuid.ToString()).PostAsJsonAsync("/memory/ab/assign", new { experiment = "e" })).StatusCode.Should().Be(HttpStatusCode.OK);
        await api.ScalarAsync(StoreKind.V2, "INSERT INTO legacy_user_map (legacy_user_id, user_id) VALUES (42, @p0)", uuid.ToString("N"));

        var byLegacy = api.ClientFor("42");
        var stats = await (await byLegacy.GetAsync($"/api/memory/stats?user_id={uuid}")).JsonAsync();
        stats.GetProperty("user_id").GetString().Should().Be(uuid.ToString());
        var logged = await (await byLegacy.PostAsJsonAsync("/memory/mistake", new { user_id = uuid.ToString(), concept = "shared" })).JsonAsync();

        var byUuid = api.ClientFor(uuid.ToString());
        var next = await (await byUuid.GetAsync("/memory/next?user_id=42")).JsonAsync();
        next.GetProperty("remaining_today").GetInt32().Should().Be(60);
        (await byUuid.PostAsJsonAsync("/api/memory/review", new { user_id = "42", memory_id = logged.GetProperty("memory_id").GetGuid(), grade = 4 })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM reviewlog WHERE user_id = @p0", uuid.ToString("N"))).Should().Be(1);

        (await (await api.ClientFor("43").GetAsync($"/memory/stats?user_id={uuid}")).ProblemAsync(HttpStatusCode.Forbidden)).Code().Should().Be("user_id_mismatch");
        (await (await byUuid.GetAsync("/memory/stats?user_id=43")).ProblemAsync(HttpStatusCode.Forbidden)).Code().Should().Be("user_id_mismatch");
    }

    [Fact]
    public async Task Trusted_header_mode_serves_both_families_without_a_token()
    {
        var settings = StoreApiFactory.Flags(v2Enabled: true, dualWrite: false);
        settings["TESKI_TRUST_USER_HEADER"] = "true";
        await using var api = await StoreApiFactory.CreateAsync(settings);
        var client = api.CreateClient();
        var uuid = Guid.NewGuid().ToString();

        var stats = await (await client.GetAsync($"/api/memory/stats?user_id={uuid}")).JsonAsync();
        stats.GetProperty("user_id").GetString().Should().Be(uuid);

        using var log = new HttpRequestMessage(HttpMethod.Post, "/api/v1/memory/log/v1") { Content = JsonContent.Create(new { template_code = "hdr", error_subtype = "sign" }) };
        log.Headers.Add("X-User-Id", "77");
        (await (await client.SendAsync(log)).JsonAsync()).GetProperty("id").GetInt64().Should().BePositive();
        (await api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM mistake WHERE concept = 'hdr'")).Should().Be(1);

        (await client.GetAsync("/api/memory/stats")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Postgres_v2_flow_mistake_next_review_stats_with_dual_write()
    {
        await using var api = await StoreApiFactory.CreateAsync(StoreApiFactory.Flags(v2Enabled: true, dualWrite: true), DatabaseProvider.Postgres);
        var user = Guid.NewGuid().ToString();
        var client = api.ClientFor(user);

        var mistake = (await (await client.PostAsJsonAsync("/api/memory/mistake", new { user_id = user, concept = "derivatives", raw = "d/dx x² = x" })).JsonAsync()).ShouldHaveKeys("memory_id", "concept", "subtype");
        var memoryId = mistake.GetProperty("memory_id").GetGuid();
        api.Clock.Advance(Duration.FromMinutes(11));
        var next = (await (await client.GetAsync("/api/memory/next")).JsonAsync()).ShouldHaveKeys("items", "remaining_today");
        next.GetProperty("items").EnumerateArray().Should().ContainSingle().Subject.GetProperty("memory_id").GetGuid().Should().Be(memoryId);

        var review = (await (await client.PostAsJsonAsync("/memory/review", new { memory_id = memoryId, grade = 2 })).JsonAsync())
            .ShouldHaveKeys("memory_id", "concept", "next_due_at", "interval_days", "ease", "xp_awarded", "persona_msg");
        review.GetProperty("interval_days").GetInt32().Should().Be(1);
        review.GetProperty("ease").GetDouble().Should().BeApproximately(2.36, 1e-9); // 2.5 + 0.1 − 3 · 0.08

        var stats = await (await client.GetAsync("/memory/stats")).JsonAsync();
        stats.GetProperty("today_reviewed").GetInt32().Should().Be(1);
        stats.GetProperty("user_id").GetString().Should().Be(user);

        (await api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM reviewlog WHERE memory_id = @p0", memoryId)).Should().Be(1);
        (await api.WaitForCountAsync(StoreKind.Legacy, "SELECT COUNT(*) FROM mistake_logs WHERE template_code = 'derivatives'", 1)).Should().Be(1);
        (await (await api.CreateClient().GetAsync("/health/ready")).Content.ReadAsStringAsync()).Should().Contain("ready");
    }

    [Fact]
    public async Task Postgres_v2_next_as_a_new_users_first_request_creates_them_and_records_one_fetch()
    {
        // The one-statement next (INextFetchPort) declines a user the store does not know; the handler then creates
        // the user and asks again.
        await using var api = await StoreApiFactory.CreateAsync(StoreApiFactory.Flags(v2Enabled: true, dualWrite: false), DatabaseProvider.Postgres);
        var user = Guid.NewGuid();
        var client = api.ClientFor(user.ToString());

        for (var call = 0; call < 2; call++)
        {
            var next = (await (await client.GetAsync("/memory/next")).JsonAsync()).ShouldHaveKeys("items", "remaining_today");
            next.GetProperty("items").GetArrayLength().Should().Be(0);
            next.GetProperty("remaining_today").GetInt32().Should().Be(60);
        }

        (await api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM \"user\" WHERE id = @p0", user)).Should().Be(1);
        (await api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM analyticsevent WHERE user_id = @p0 AND kind = 'memory.review_fetch'", user)).Should().Be(2);
    }

    [Fact]
    public async Task Postgres_v2_review_of_an_item_not_the_callers_is_404_for_a_known_and_for_a_new_user()
    {
        // A known user's review reads the user with its locks (IKnownUserReviewPort); a new one is resolved first.
        await using var api = await StoreApiFactory.CreateAsync(StoreApiFactory.Flags(v2Enabled: true, dualWrite: true), DatabaseProvider.Postgres);
        var owner = api.ClientFor(Guid.NewGuid().ToString());
        var memoryId = (await (await owner.PostAsJsonAsync("/memory/mistake", new { concept = "limits" })).JsonAsync()).GetProperty("memory_id").GetGuid();
        var known = api.ClientFor(Guid.NewGuid().ToString());
        (await known.GetAsync("/memory/next")).StatusCode.Should().Be(HttpStatusCode.OK);

        foreach (var caller in new[] { known, api.ClientFor(Guid.NewGuid().ToString()) })
        {
            foreach (var id in new[] { memoryId, Guid.NewGuid() })
            {
                var problem = await (await caller.PostAsJsonAsync("/memory/review", new { memory_id = id, grade = 4 })).ProblemAsync(HttpStatusCode.NotFound);
                problem.Code().Should().Be("memory_not_found");
            }
        }
        (await api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM reviewlog")).Should().Be(0);
        (await (await owner.PostAsJsonAsync("/memory/review", new { memory_id = memoryId, grade = 4 })).JsonAsync()).GetProperty("memory_id").GetGuid().Should().Be(memoryId);
        (await api.CountAsync(StoreKind.V2, "SELECT COUNT(*) FROM reviewlog WHERE memory_id = @p0", memoryId)).Should().Be(1);
    }

    [Fact]
    public async Task Postgres_legacy_flow_log_v1_review_next_review_result()
    {
        await using var api = await StoreApiFactory.CreateAsync(StoreApiFactory.Flags(v2Enabled: false, dualWrite: false), DatabaseProvider.Postgres);
        var client = api.ClientFor("42");

        (await (await client.PostAsJsonAsync("/api/v1/memory/log/v1", new { template_code = "fractions-1", detail = new { reason = "sign flipped" } })).JsonAsync()).ShouldHaveKeys("id");
        (await api.ScalarAsync(StoreKind.Legacy, "SELECT error_subtype FROM mistake_logs WHERE user_id = 42")).Should().Be("sign");
        api.Clock.Advance(Duration.FromMinutes(21));

        var next = await (await client.GetAsync("/api/v1/memory/review/next?user_id=42")).JsonAsync();
        next.GetProperty("items").EnumerateArray().Should().ContainSingle().Subject.GetProperty("template_code").GetString().Should().Be("fractions-1");
        (await api.ScalarAsync(StoreKind.Legacy, "SELECT status FROM review_cards WHERE user_id = 42")).Should().Be("served");

        var result = (await (await client.PostAsync("/api/v1/memory/review/result?template_code=fractions-1&correct=false", null)).JsonAsync()).ShouldHaveKeys("next_review_at", "easiness", "interval_days");
        result.GetProperty("interval_days").GetDouble().Should().Be(0.5);
        result.GetProperty("easiness").GetDouble().Should().BeApproximately(1.98, 1e-9); // 2.3 + (0.1 − 3 · (0.08 + 3 · 0.02))
        (await api.ScalarAsync(StoreKind.Legacy, "SELECT status FROM review_cards WHERE user_id = 42")).Should().Be("scheduled");
        (await (await client.PostAsync("/api/v1/memory/review/result?template_code=other&correct=true", null)).ProblemAsync(HttpStatusCode.NotFound)).Code().Should().Be("review_card_not_found");
    }
}
