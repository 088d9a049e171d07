using System.Net;
using System.Text;

namespace Teski.Api.Tests;

public sealed class ErrorTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string ValidBody = """{"item_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":4,"rating":"very_good"}""";

    private async Task<HttpResponseMessage> PostAsync(string body, string path = "/api/v1/test/echo", string mediaType = "application/json") =>
        await api.ClientFor("1").PostAsync(path, new StringContent(body, Encoding.UTF8, mediaType));

    [Fact]
    public async Task Valid_body_round_trips_in_snake_case()
    {
        var json = await (await PostAsync(ValidBody)).JsonAsync();
        json.GetProperty("rating").GetString().Should().Be("very_good");
        json.GetProperty("item_id").GetString().Should().Be("7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10");
    }

    [Theory]
    [InlineData("""{"item_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":4,""", "body")]
    [InlineData("""{"item_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":"four","rating":"good"}""", "grade")]
    [InlineData("""{"item_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":4,"rating":"excellent"}""", "rating")]
    [InlineData("""{"item_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":4,"rating":1}""", "rating")]
    [InlineData("""{"item_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":99999999999999999999,"rating":"good"}""", "grade")]
    [InlineData("""{"item_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":4,"rating":"good","count":1e400}""", "count")]
    [InlineData("""{"item_id":"not-a-uuid","grade":4,"rating":"good"}""", "item_id")]
    public async Task Bad_json_is_400_problem_naming_the_field(string body, string field)
    {
        var problem = await (await PostAsync(body)).ProblemAsync(HttpStatusCode.BadRequest);
        problem.Code().Should().Be("validation_failed");
        problem.ErrorFields().Should().Equal(field);
    }

    [Fact]
    public async Task Bad_json_is_400_on_the_v2_group_too()
    {
        var problem = await (await PostAsync("""{"grade":"x"}""", "/api/memory/test/echo")).ProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().Should().Equal("grade");
    }

    [Fact]
    public async Task Bad_uuid_in_the_route_is_400_naming_the_parameter()
    {
        var problem = await (await api.ClientFor("1").GetAsync("/api/v1/test/items/nope")).ProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().Should().Equal("id");
    }

    [Fact]
    public async Task Body_over_the_limit_is_413_problem()
    {
        var huge = """{"item_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","grade":4,"rating":"good","pad":""" + "\"" + new string('x', 70 * 1024) + "\"}";
        var problem = await (await PostAsync(huge)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        problem.Code().Should().Be("payload_too_large");
    }

    [Fact]
    public async Task Body_over_the_limit_without_content_length_is_413_problem()
    {
        var huge = Encoding.UTF8.GetBytes("""{"item_id":"7f1d6f0e-3c7a-4f55-9a53-5b1f3f7e2a10","pad":""" + "\"" + new string('x', 70 * 1024) + "\"}");
        using var content = new StreamContent(new MemoryStream(huge));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/test/echo") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await api.ClientFor("1").SendAsync(request);
        (await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Code().Should().Be("payload_too_large");
    }

    [Fact]
    public async Task Wrong_content_type_is_415_problem()
    {
        (await (await PostAsync(ValidBody, mediaType: "text/plain")).ProblemAsync(HttpStatusCode.UnsupportedMediaType)).Code().Should().Be("unsupported_media_type");
    }

    [Fact]
    public async Task Unknown_route_is_404_problem()
    {
        (await (await api.CreateClient().GetAsync("/no/such/route")).ProblemAsync(HttpStatusCode.NotFound)).Code().Should().Be("not_found");
    }

    [Fact]
    public async Task Wrong_method_is_405_problem()
    {
        (await (await api.ClientFor("1").DeleteAsync("/api/v1/test/echo")).ProblemAsync(HttpStatusCode.MethodNotAllowed)).Code().Should().Be("method_not_allowed");
    }

    [Fact]
    public async Task NotFoundException_becomes_404_with_its_code_as_detail()
    {
        var problem = await (await api.ClientFor("1").GetAsync("/api/v1/test/not-found")).ProblemAsync(HttpStatusCode.NotFound);
        problem.Code().Should().Be("memory_not_found");
        problem.GetProperty("detail").GetString().Should().Be("memory_not_found");
    }

    [Fact]
    public async Task FluentValidation_failure_becomes_400_with_snake_case_fields()
    {
        var problem = await (await api.ClientFor("1").GetAsync("/api/v1/test/fluent")).ProblemAsync(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").GetProperty("due_at")[0].GetString().Should().Be("must be in the future");
    }

    [Fact]
    public async Task Unhandled_exception_is_500_problem_without_internals()
    {
        var response = await api.ClientFor("1").GetAsync("/api/v1/test/boom");
        var text = await response.Content.ReadAsStringAsync();
        (await response.ProblemAsync(HttpStatusCode.InternalServerError)).Code().Should().Be("internal_error");
        text.Should().NotContain("secret internals").And.NotContain("InvalidOperationException").And.NotContain(" at ");
    }
}
