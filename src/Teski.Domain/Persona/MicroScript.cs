using Teski.Domain.Common;

namespace Teski.Domain.Persona;

/// <summary>Legacy persona micro-scripts: lines with emoji tokens (<c>{{e1}}</c>, <c>{{eFrog}}</c>).</summary>
public static class MicroScript
{
    public const string FirstEmojiToken = "{{e1}}";
    public const string FrogEmojiToken = "{{eFrog}}";
    public const string Frog = "\U0001F438";

    /// <summary>
    /// <c>{{e1}}</c> becomes the set's first emoji. <c>{{eFrog}}</c> becomes the frog when the persona's set has one
    /// (the frog is its mascot), else the first emoji, so a persona without a frog never shows a foreign one.
    /// With an empty set both tokens are removed, and the spaces around them collapsed.
    /// </summary>
    public static string Render(string template, IReadOnlyList<string> emojiSet)
    {
        if (emojiSet.Count == 0)
        {
            var stripped = template.Replace(FirstEmojiToken, string.Empty, StringComparison.Ordinal)
                .Replace(FrogEmojiToken, string.Empty, StringComparison.Ordinal);
            return string.Join(' ', stripped.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        var first = emojiSet[0];
        var frog = emojiSet.Contains(Frog) ? Frog : first;
        return template.Replace(FirstEmojiToken, first, StringComparison.Ordinal)
            .Replace(FrogEmojiToken, frog, StringComparison.Ordinal);
    }

    /// <summary>A line chosen stably by the context (task id, ...); null when there are no lines.</summary>
    public static string? Pick(IReadOnlyList<string> lines, string contextKey) =>
        lines.Count == 0 ? null : lines[StableHash.IndexFor(contextKey, lines.Count)];
}
