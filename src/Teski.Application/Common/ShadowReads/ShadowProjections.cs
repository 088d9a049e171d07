using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Teski.Application.Persona;
using Teski.Application.Persona.Definitions;

namespace Teski.Application.Common.ShadowReads;

/// <summary>
/// The reads that are shadowed, and what of their answers is compared. Only reads whose answer both schemas mean the
/// same way are listed: the persona definitions (legacy <c>personas</c> table vs the v2 store's definitions). The v2
/// XP summary, stats and badges are not: the legacy schema cannot answer them with the same meaning (legacy XP is
/// leaderboard points only, it keeps no streak, review log or badges), so comparing them would count differences
/// that are by design, not divergence. Writes and reads that write (next reviews, persona state) are never shadowed.
/// </summary>
public static class ShadowProjections
{
    public static IServiceCollection AddShadowProjections(this IServiceCollection services)
    {
        services.AddSingleton<IShadowProjection<ListPersonasQuery, IReadOnlyList<PersonaDefinition>>, PersonaListProjection>();
        services.AddSingleton<IShadowProjection<GetPersonaDefinitionQuery, PersonaDefinition>, PersonaProjection>();
        return services;
    }

    private sealed class PersonaListProjection : IShadowProjection<ListPersonasQuery, IReadOnlyList<PersonaDefinition>>
    {
        public string Keys(ListPersonasQuery request) => "personas=all";

        public object? Project(IReadOnlyList<PersonaDefinition> response) =>
            response.OrderBy(p => p.Code, StringComparer.Ordinal).Select(Normalise).ToList();
    }

    private sealed class PersonaProjection : IShadowProjection<GetPersonaDefinitionQuery, PersonaDefinition>
    {
        public string Keys(GetPersonaDefinitionQuery request) => "code=" + request.Code;

        public object? Project(PersonaDefinition response) => Normalise(response);
    }

    /// <summary>Code, name, and the config as canonical JSON (property order and whitespace are storage details).</summary>
    private static object Normalise(PersonaDefinition p) => new { p.Code, p.DisplayName, Config = Canonical(p.ConfigJson) };

    private static string Canonical(string json)
    {
        try
        {
            return Sort(JsonNode.Parse(json))?.ToJsonString() ?? "null";
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sort).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };
}
