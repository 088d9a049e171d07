using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Common.Stores;
using Teski.Application.Persona;
using Teski.Domain.Common;
using Teski.Domain.Persona;

namespace Teski.Infrastructure.V2.Store;

/// <summary>
/// Personas on v2: the definitions are the built-in ones (v2 has no definitions table), the per-user state is
/// <c>personastate</c>, one row per user with the name-based id the backfill uses too.
/// </summary>
internal sealed class V2PersonaPort(V2Store store) : IPersonaPort
{
    private static readonly IReadOnlyList<PersonaDefinition> Definitions =
        DefaultPersonas.All.Select(p => new PersonaDefinition(p.Code, p.DisplayName, p.ConfigJson)).ToList();

    public Task<IReadOnlyList<PersonaDefinition>> ListDefinitionsAsync(CancellationToken ct) => Task.FromResult(Definitions);

    public Task<PersonaDefinition?> FindDefinitionAsync(string code, CancellationToken ct) =>
        Task.FromResult(Definitions.FirstOrDefault(d => string.Equals(d.Code, code, StringComparison.OrdinalIgnoreCase)));

    public Task<PersonaStateView> GetStateAsync(UserIdentity user, string defaultPersona, CancellationToken ct) =>
        store.RunAsync(async db =>
        {
            var userId = V2RowMapping.V2Id(user);
            var state = await FindAsync(db, userId, ct);
            if (state is null)
            {
                await EnsureAsync(db, userId, user.Persona ?? defaultPersona, ct);
                state = await FindAsync(db, userId, ct) ?? throw new InvalidOperationException($"personastate for {userId} vanished after insert");
            }
            return new PersonaStateView(state.Persona, state.WarmupTs);
        }, ct);

    public Task MarkWarmupAsync(UserIdentity user, string persona, Instant now, CancellationToken ct) =>
        store.WriteAsync(async db =>
        {
            var userId = V2RowMapping.V2Id(user);
            await EnsureAsync(db, userId, persona, ct);
            await db.PersonaStates.Where(p => p.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(p => p.WarmupTs, now), ct);
        }, ct);

    private static Task<PersonaStateRow?> FindAsync(V2DbContext db, Guid userId, CancellationToken ct) =>
        db.PersonaStates.AsNoTracking().FirstOrDefaultAsync(p => p.UserId == userId, ct);

    /// <summary>Creates the row if missing; two first requests racing both end up reading the one row.</summary>
    private static Task<int> EnsureAsync(V2DbContext db, Guid userId, string persona, CancellationToken ct) =>
        V2Store.InsertIfAbsentAsync(db, "personastate", "id, user_id, persona",
            [StableId.For("personastate", StableId.Canonical(userId)), userId, persona], ct);
}
