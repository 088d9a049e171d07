using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;

namespace Teski.Api.Tests;

public sealed class AuthTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Uuid = "7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10";

    [Fact]
    public async Task No_token_is_401_problem()
    {
        var response = await api.CreateClient().GetAsync("/api/v1/test/whoami");
        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
        problem.Code().Should().Be("unauthorized");
        problem.GetProperty("detail").GetString().Should().Be("unauthorized");
    }

    [Fact]
    public async Task Token_with_legacy_integer_sub_is_accepted()
    {
        var json = await (await api.ClientFor("42").GetAsync("/api/v1/test/whoami")).JsonAsync();
        json.GetProperty("sub").GetString().Should().Be("42");
    }

    [Fact]
    public async Task Token_with_uuid_sub_is_accepted_on_both_v2_prefixes()
    {
        var client = api.ClientFor(Uuid);
        foreach (var path in new[] { "/memory/test/whoami", "/api/memory/test/whoami" })
        {
            var json = await (await client.GetAsync(path)).JsonAsync();
            json.GetProperty("v2_id").GetString().Should().Be(Uuid);
            json.GetProperty("legacy_id").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
        }
    }

    [Fact]
    public async Task User_id_query_naming_someone_else_is_403_and_naming_the_caller_passes()
    {
        var client = api.ClientFor("42");
        var problem = await (await client.GetAsync("/api/v1/test/whoami?user_id=43")).ProblemAsync(HttpStatusCode.Forbidden);
        problem.Code().Should().Be("user_id_mismatch");
        (await client.GetAsync("/api/v1/test/whoami?user_id=42")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync($"/memory/test/whoami?user_id={Uuid}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task User_id_in_body_naming_someone_else_is_403()
    {
        var client = api.ClientFor("42");
        var problem = await (await client.PostAsJsonAsync("/api/v1/test/body-user", new { user_id = "7", note = "x" })).ProblemAsync(HttpStatusCode.Forbidden);
        problem.Code().Should().Be("user_id_mismatch");
        (await client.PostAsJsonAsync("/api/v1/test/body-user", new { user_id = "42", note = "x" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.PostAsJsonAsync("/api/v1/test/body-user", new { note = "omitted" })).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Expired_token_is_401()
    {
        var client = api.CreateClient();
        var expired = api.Token("42", DateTimeOffset.UtcNow.AddHours(-13), TimeSpan.FromHours(12));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", expired);
        (await client.GetAsync("/api/v1/test/whoami")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_signed_with_another_key_is_401()
    {
        using var other = ApiFactory.With(new Dictionary<string, string?> { ["SECRET_KEY"] = "another-secret-key-that-is-also-long-enough" });
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", other.Token("42"));
        (await client.GetAsync("/api/v1/test/whoami")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_whose_sub_is_neither_id_nor_uuid_is_401()
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Hs256(Encoding.UTF8.GetBytes(ApiFactory.SecretKey), """{"sub":"alice"}"""));
        (await client.GetAsync("/api/v1/test/whoami")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Legacy_token_without_exp_signed_with_a_short_key_is_accepted_outside_production()
    {
        // The legacy app (PyJWT) accepts short keys; HMAC zero-pads them, so our padded key must verify the same MAC.
        using var shortKey = ApiFactory.With(new Dictionary<string, string?> { ["SECRET_KEY"] = "changeme" });
        var client = shortKey.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Hs256("changeme"u8.ToArray(), """{"sub":"17"}"""));
        var json = await (await client.GetAsync("/api/v1/test/whoami")).JsonAsync();
        json.GetProperty("sub").GetString().Should().Be("17");
    }

    [Fact]
    public async Task Trust_mode_accepts_header_or_query_and_rejects_a_mismatch_with_400()
    {
        using var trusted = ApiFactory.With(new Dictionary<string, string?> { ["TESKI_TRUST_USER_HEADER"] = "yes" });
        var client = trusted.CreateClient();

        using var byHeader = new HttpRequestMessage(HttpMethod.Get, "/api/v1/test/whoami");
        byHeader.Headers.Add("X-User-Id", "5");
        (await (await client.SendAsync(byHeader)).JsonAsync()).GetProperty("sub").GetString().Should().Be("5");

        (await (await client.GetAsync($"/api/v1/test/whoami?user_id={Uuid}")).JsonAsync()).GetProperty("sub").GetString().Should().Be(Uuid);

        using var mismatch = new HttpRequestMessage(HttpMethod.Get, "/api/v1/test/whoami?user_id=6");
        mismatch.Headers.Add("X-User-Id", "5");
        (await (await client.SendAsync(mismatch)).ProblemAsync(HttpStatusCode.BadRequest)).Code().Should().Be("user_id_header_query_mismatch");

        (await client.GetAsync("/api/v1/test/whoami")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        // A bearer token still wins over the header.
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/api/v1/test/whoami");
        withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", trusted.Token("9"));
        withToken.Headers.Add("X-User-Id", "5");
        (await (await client.SendAsync(withToken)).JsonAsync()).GetProperty("sub").GetString().Should().Be("9");
    }

    [Fact]
    public async Task Trust_mode_off_ignores_the_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/test/whoami?user_id=5");
        request.Headers.Add("X-User-Id", "5");
        (await api.CreateClient().SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    /// <summary>A token as PyJWT writes it: HS256 over base64url(header).base64url(payload).</summary>
    private static string Hs256(byte[] key, string payload)
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var signingInput = B64("""{"alg":"HS256","typ":"JWT"}"""u8.ToArray()) + "." + B64(Encoding.UTF8.GetBytes(payload));
        return signingInput + "." + B64(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signingInput)));
    }
}
