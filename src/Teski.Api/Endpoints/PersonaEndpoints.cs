using System.Text.Json;
using System.Text.Json.Serialization;
using Mediator;
using Teski.Application.Persona.Definitions;

namespace Teski.Api.Endpoints;

/// <summary>The legacy persona routes; their JSON keys are camelCase as the legacy clients read them.</summary>
public sealed class PersonaEndpoints : IEndpointModule
{
    public void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapLegacyGroup().MapGroup("/personas");
        group.MapGet("/", List).Produces<PersonaList>();
        group.MapGet("/{code}", Get).Produces<PersonaDetail>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/nudge/preview", Preview).Produces<NudgeResponse>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    public sealed record PersonaSummary(
        [property: JsonPropertyName("code")] string Code,
        [property: JsonPropertyName("displayName")] string DisplayName);

    public sealed record PersonaList([property: JsonPropertyName("items")] IReadOnlyList<PersonaSummary> Items);

    public sealed record PersonaDetail(
        [property: JsonPropertyName("code")] string Code,
        [property: JsonPropertyName("displayName")] string DisplayName,
        [property: JsonPropertyName("config")] JsonElement Config);

    public sealed record NudgeContext(
        [property: JsonPropertyName("minutesToDue")] double? MinutesToDue,
        [property: JsonPropertyName("overdue")] bool? Overdue,
        [property: JsonPropertyName("repeatedDeferrals")] int? RepeatedDeferrals,
        [property: JsonPropertyName("taskId")] string? TaskId,
        [property: JsonPropertyName("dueAt")] string? DueAt);

    public sealed record NudgeRequest(
        [property: JsonPropertyName("requestedMood")] string? RequestedMood,
        [property: JsonPropertyName("phase")] string? Phase,
        [property: JsonPropertyName("context")] NudgeContext? Context);

    public sealed record NudgeResponse(
        [property: JsonPropertyName("mood")] string Mood,
        [property: JsonPropertyName("phase")] string Phase,
        [property: JsonPropertyName("text")] string? Text,
        [property: JsonPropertyName("persona")] PersonaSummary Persona);

    private static async Task<PersonaList> List(IMediator mediator, CancellationToken ct)
    {
        var all = await mediator.Send(new ListPersonasQuery(), ct);
        return new PersonaList(all.Select(p => new PersonaSummary(p.Code, p.DisplayName)).ToList());
    }

    private static async Task<PersonaDetail> Get(string code, IMediator mediator, CancellationToken ct)
    {
        var p = await mediator.Send(new GetPersonaDefinitionQuery(code), ct);
        return new PersonaDetail(p.Code, p.DisplayName, ConfigElement(p.ConfigJson));
    }

    private static async Task<NudgeResponse> Preview(NudgeRequest body, IMediator mediator, CancellationToken ct)
    {
        var c = body.Context;
        var preview = await mediator.Send(new PreviewNudgeQuery(body.RequestedMood, body.Phase ?? "", c?.MinutesToDue, c?.Overdue ?? false, c?.RepeatedDeferrals ?? 0, c?.TaskId), ct);
        return new NudgeResponse(preview.Mood, preview.Phase, preview.Text, new PersonaSummary(preview.Persona.Code, preview.Persona.DisplayName));
    }

    /// <summary>Old rows may hold config text that is not JSON; it is returned as a string rather than failing the request.</summary>
    private static JsonElement ConfigElement(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json);
        }
    }
}
