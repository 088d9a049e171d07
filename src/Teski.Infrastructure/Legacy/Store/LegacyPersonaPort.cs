using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Stores;
using Teski.Application.Persona;

namespace Teski.Infrastructure.Legacy.Store;

/// <summary>Persona definitions from the legacy <c>personas</c> table; the legacy app keeps no per-user persona state.</summary>
internal sealed class LegacyPersonaPort(LegacyStore store) : IPersonaPort
{
    public Task<IReadOnlyList<PersonaDefinition>> ListDefinitionsAsync(CancellationToken ct) =>
        store.RunAsync<IReadOnlyList<PersonaDefinition>>(async db =>
            await db.Personas.AsNoTracking().OrderBy(p => p.Id)
                .Select(p => new PersonaDefinition(p.Code, p.DisplayName, p.Config))
                .ToListAsync(ct), ct);

    public Task<PersonaDefinition?> FindDefinitionAsync(string code, CancellationToken ct) =>
        store.RunAsync(db =>
            db.Personas.AsNoTracking().Where(p => p.Code == code)
                .Select(p => new PersonaDefinition(p.Code, p.DisplayName, p.Config))
                .FirstOrDefaultAsync(ct), ct);

    /// <summary>No <c>personastate</c> in the legacy schema: every user has the default persona and no warm-up time.</summary>
    public Task<PersonaStateView> GetStateAsync(UserIdentity user, string defaultPersona, CancellationToken ct) =>
        Task.FromResult(new PersonaStateView(defaultPersona, null));

    public Task MarkWarmupAsync(UserIdentity user, string persona, Instant now, CancellationToken ct) => Task.CompletedTask;
}
