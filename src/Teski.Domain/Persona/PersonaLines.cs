using Teski.Domain.Common;

namespace Teski.Domain.Persona;

/// <summary>The v2 coaching lines: a <c>default</c> and a <c>warmup</c> bank per persona.</summary>
public static class PersonaLines
{
    private sealed record Banks(IReadOnlyList<string> Default, IReadOnlyList<string> Warmup);

    private static readonly Dictionary<PersonaKey, Banks> Lines = new()
    {
        [PersonaKey.Calm] = new(
            [
                "One step at a time. You've got this.",
                "Breathe, read it again, then answer.",
                "Slow is smooth, smooth is fast.",
                "No rush. Let the idea settle first.",
            ],
            [
                "Let's ease in with a quick one.",
                "A gentle start: just this one for now.",
                "Warm up slowly; the rest will follow.",
            ]),
        [PersonaKey.Snark] = new(
            [
                "Oh look, this one again. Shall we finally beat it?",
                "Third time's the charm. Or fourth. Who's counting?",
                "Your past self got this wrong. Show them up.",
                "This card missed you. Don't make it a habit.",
            ],
            [
                "Rise and review. The flashcards won't flip themselves.",
                "Coffee's optional, this warm-up isn't.",
                "Stretch those neurons, champ.",
            ]),
        [PersonaKey.Coach] = new(
            [
                "Focus on the first step; the rest follows.",
                "Check your work before you commit.",
                "Name the rule, then apply it.",
                "Same drill, better form. Go.",
            ],
            [
                "Warm-up set: one clean rep.",
                "Start easy, build momentum.",
                "Loosen up with a quick review.",
            ]),
        [PersonaKey.Encourager] = new(
            [
                "Every review makes it stick a little more.",
                "Mistakes are how you learn. Keep going!",
                "You're closer than you think.",
                "Nice persistence. This one is yours.",
            ],
            [
                "Great to see you! Let's start with a quick win.",
                "New day, fresh start. You can do this!",
                "Welcome back! A small step to begin.",
            ]),
    };

    /// <summary>
    /// The line for a context, chosen with FNV-1a over the UTF-8 key (<see cref="StableHash"/>), so the same concept
    /// gets the same line in every process and after restarts.
    /// </summary>
    public static string Choose(PersonaKey key, bool warmup, string contextKey)
    {
        var banks = Lines.TryGetValue(key, out var found) ? found : Lines[PersonaKey.Calm];
        var bank = warmup ? banks.Warmup : banks.Default;
        return bank[StableHash.IndexFor(contextKey, bank.Count)];
    }

    /// <summary>The key a line is chosen by: the concept, else the task id, else the user id (ids as canonical text).</summary>
    public static string ContextKey(string? concept, Guid? taskId, Guid userId) =>
        !string.IsNullOrWhiteSpace(concept) ? concept
        : taskId is { } task ? StableId.Canonical(task)
        : StableId.Canonical(userId);

    /// <summary>The bank contents, e.g. for a persona preview screen.</summary>
    public static IReadOnlyList<string> Bank(PersonaKey key, bool warmup) =>
        warmup ? Lines[key].Warmup : Lines[key].Default;
}
