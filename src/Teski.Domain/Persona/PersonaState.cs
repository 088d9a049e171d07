using NodaTime;
using Teski.Domain.Users;

namespace Teski.Domain.Persona;

/// <summary>A v2 <c>personastate</c> row: the user's persona and when they last got the warm-up line.</summary>
public sealed class PersonaState
{
    private PersonaState(Guid id, Guid userId, string persona, Instant? warmupTs)
    {
        Id = id;
        UserId = userId;
        Persona = persona;
        WarmupTs = warmupTs;
    }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    public string Persona { get; private set; }
    public Instant? WarmupTs { get; private set; }

    public static PersonaState Create(Guid id, Guid userId, string persona)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(persona);
        return new PersonaState(id, userId, persona, warmupTs: null);
    }

    public static PersonaState Rehydrate(Guid id, Guid userId, string persona, Instant? warmupTs) =>
        new(id, userId, persona, warmupTs);

    /// <summary>True when the warm-up line has not been given yet on the user's current local day.</summary>
    public bool NeedsWarmup(Instant now, DateTimeZone zone) =>
        WarmupTs is not { } last || UserDay.LocalDay(last, zone) < UserDay.LocalDay(now, zone);

    public void MarkWarmup(Instant now) => WarmupTs = now;

    public void ChangePersona(string persona)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(persona);
        Persona = persona;
    }
}
