using System.Text.Json;

namespace Teski.Domain.Persona;

public sealed record PersonaUi(string? Color, IReadOnlyList<string> EmojiSet, int? EmojiMax);

public sealed record PersonaReinforcement(double? XpMultiplier, double? StreakBonus, IReadOnlyList<string> Nudges);

/// <summary>The legacy phases; the JSON keys of <c>microScripts</c>.</summary>
public sealed record PersonaMicroScripts(
    IReadOnlyList<string> PreTask, IReadOnlyList<string> DuringTask, IReadOnlyList<string> PostTaskSuccess,
    IReadOnlyList<string> PostTaskFail)
{
    public const string PreTaskPhase = "preTask";
    public const string DuringTaskPhase = "duringTask";
    public const string PostTaskSuccessPhase = "postTaskSuccess";
    public const string PostTaskFailPhase = "postTaskFail";

    /// <summary>The phase's lines (phase name case-insensitive); an unknown or empty phase falls back to preTask.</summary>
    public IReadOnlyList<string> For(string? phase)
    {
        IReadOnlyList<string> lines = phase?.Trim().ToLowerInvariant() switch
        {
            "duringtask" => DuringTask,
            "posttasksuccess" => PostTaskSuccess,
            "posttaskfail" => PostTaskFail,
            _ => PreTask,
        };
        return lines.Count > 0 ? lines : PreTask;
    }
}

/// <summary>
/// The legacy <c>personas.config</c> JSON. Parsing is tolerant: the column may hold <c>null</c>, <c>{}</c>, values of
/// the wrong type or (in old rows) invalid JSON; whatever cannot be read is simply absent.
/// </summary>
public sealed record LegacyPersonaConfig(
    PersonaUi Ui, string? Tone, string? Style, PersonaReinforcement Reinforcement, PersonaMicroScripts MicroScripts,
    string? MemoryMoodJson)
{
    public static LegacyPersonaConfig Empty { get; } = new(
        new PersonaUi(null, [], null), null, null, new PersonaReinforcement(null, null, []),
        new PersonaMicroScripts([], [], [], []), null);

    public static LegacyPersonaConfig Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Empty;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Empty;
            }

            var ui = Child(root, "ui");
            var reinforcement = Child(root, "reinforcement");
            var scripts = Child(root, "microScripts");
            return new LegacyPersonaConfig(
                new PersonaUi(String(ui, "color"), Strings(ui, "emojiSet"), Number(ui, "emojiMax") is { } max ? (int)max : null),
                String(root, "tone"),
                String(root, "style"),
                new PersonaReinforcement(
                    Number(reinforcement, "xpMultiplier"), Number(reinforcement, "streakBonus"),
                    Strings(reinforcement, "nudges")),
                new PersonaMicroScripts(
                    Strings(scripts, PersonaMicroScripts.PreTaskPhase),
                    Strings(scripts, PersonaMicroScripts.DuringTaskPhase),
                    Strings(scripts, PersonaMicroScripts.PostTaskSuccessPhase),
                    Strings(scripts, PersonaMicroScripts.PostTaskFailPhase)),
                root.TryGetProperty("memoryMood", out var mood) && mood.ValueKind != JsonValueKind.Null
                    ? mood.GetRawText()
                    : null);
        }
        catch (JsonException)
        {
            return Empty;
        }
    }

    /// <summary>The legacy nudge text: a stable pick from the phase's lines, with its emoji tokens rendered.</summary>
    public string? Nudge(string? phase, string contextKey) =>
        MicroScript.Pick(MicroScripts.For(phase), contextKey) is { } line ? MicroScript.Render(line, Ui.EmojiSet) : null;

    private static JsonElement? Child(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var child) ? child : null;

    private static string? String(JsonElement? parent, string name) =>
        Child(parent, name) is { ValueKind: JsonValueKind.String } e ? e.GetString() : null;

    private static double? Number(JsonElement? parent, string name) =>
        Child(parent, name) is { ValueKind: JsonValueKind.Number } e ? e.GetDouble() : null;

    private static IReadOnlyList<string> Strings(JsonElement? parent, string name) =>
        Child(parent, name) is { ValueKind: JsonValueKind.Array } e
            ? e.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
            : [];
}
