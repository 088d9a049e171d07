using NodaTime;
using Teski.Application.Common.Stores;

namespace Teski.Application.Persona;

/// <summary>A legacy persona definition (<c>personas</c> row): code, display name and the raw <c>config</c> JSON.</summary>
public sealed record PersonaDefinition(string Code, string DisplayName, string ConfigJson);

public sealed record PersonaStateView(string Persona, Instant? WarmupTs);

public interface IPersonaPort
{
    Task<IReadOnlyList<PersonaDefinition>> ListDefinitionsAsync(CancellationToken ct);

    Task<PersonaDefinition?> FindDefinitionAsync(string code, CancellationToken ct);

    /// <summary>The user's persona state (v2 <c>personastate</c>); creates it with the user's persona on first use.</summary>
    Task<PersonaStateView> GetStateAsync(UserIdentity user, string defaultPersona, CancellationToken ct);

    /// <summary>Records that the user got their warm-up line at <paramref name="now"/>.</summary>
    Task MarkWarmupAsync(UserIdentity user, string persona, Instant now, CancellationToken ct);
}
