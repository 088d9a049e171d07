namespace Teski.Domain.Persona;

/// <summary>The v2 coaching personas (v2-schema.md, "Personas").</summary>
public enum PersonaKey
{
    Calm,
    Snark,
    Coach,
    Encourager,
}

public static class PersonaKeys
{
    /// <summary><c>PERSONA_DEFAULT</c>'s default value.</summary>
    public const string DefaultSetting = "Calm";

    public static PersonaKey Default => PersonaKey.Calm;

    /// <summary>Case-insensitive; anything unknown (or empty) is <see cref="PersonaKey.Calm"/>, never an error.</summary>
    public static PersonaKey Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "calm" => PersonaKey.Calm,
        "snark" => PersonaKey.Snark,
        "coach" => PersonaKey.Coach,
        "encourager" => PersonaKey.Encourager,
        _ => PersonaKey.Calm,
    };

    /// <summary>The lowercase key as stored in <c>user.persona</c> / <c>personastate.persona</c> and sent to clients.</summary>
    public static string ToWire(this PersonaKey key) => key switch
    {
        PersonaKey.Calm => "calm",
        PersonaKey.Snark => "snark",
        PersonaKey.Coach => "coach",
        PersonaKey.Encourager => "encourager",
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, null),
    };
}
