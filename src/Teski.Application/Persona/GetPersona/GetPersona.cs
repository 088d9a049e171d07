using Mediator;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Domain.Persona;
using Teski.Domain.Users;

namespace Teski.Application.Persona.GetPersona;

/// <summary><c>GET /memory/persona</c>: the user's persona, whether the warm-up line applies today, and that line.</summary>
public sealed record GetPersonaQuery(UserRef User) : IRequest<PersonaResult>, IWriteCommand;

public sealed record PersonaResult(UserIdentity User, string Persona, bool Warmup, string Copy, Instant? WarmupTs);

public sealed class GetPersonaHandler(IStoreRouter stores, IClock clock, V2RuleSettings rules) : IRequestHandler<GetPersonaQuery, PersonaResult>
{
    public async ValueTask<PersonaResult> Handle(GetPersonaQuery request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var store = stores.Primary;
        var user = await store.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken)
            ?? throw new InvalidOperationException("user could not be created");
        var state = await store.Personas.GetStateAsync(user, PersonaKeys.Parse(rules.PersonaDefault).ToWire(), cancellationToken);
        var key = PersonaKeys.Parse(state.Persona);
        var zone = UserDay.ResolveZone(user.TimeZone);
        var (start, _) = UserDay.Today(now, zone);
        // The warm-up bank applies until the user's first review of the local day marks it.
        var warmup = state.WarmupTs is not { } ts || ts < start;
        var copy = PersonaLines.Choose(key, warmup, PersonaLines.ContextKey(null, null, user.V2Id ?? Guid.Empty));
        return new PersonaResult(user, key.ToWire(), warmup, copy, state.WarmupTs);
    }
}
