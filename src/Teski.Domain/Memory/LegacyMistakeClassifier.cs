namespace Teski.Domain.Memory;

/// <summary>
/// The legacy <c>POST /api/v1/memory/log/v1</c> vocabulary, and its classification of a missing
/// <c>error_subtype</c> from <c>detail.reason</c> (legacy-schema.md).
/// </summary>
public static class LegacyMistakeClassifier
{
    public const string DefaultErrorType = "other";

    /// <summary>Allowed <c>error_type</c> values.</summary>
    public static IReadOnlyList<string> ErrorTypes { get; } = ["recall", "concept", "format", "spelling", "unit", "other"];

    /// <summary>Allowed <c>error_subtype</c> values.</summary>
    public static IReadOnlyList<string> ErrorSubtypes { get; } =
        ["near_miss", "false_friend", "spelling", "unit", "sign", "algebra", "concept", "recall", "format", "other"];

    // The legacy order: plain substring tests, first match wins ("minus sign" is a sign, "unit sign" a unit).
    private static readonly (string[] Keywords, string Subtype)[] Rules =
    [
        (["unit"], "unit"),
        (["sign", "minus"], "sign"),
        (["spell"], "spelling"),
        (["near", "close"], "near_miss"),
        (["friend"], "false_friend"),
        (["algebra"], "algebra"),
        (["concept"], "concept"),
        (["format"], "format"),
    ];

    /// <summary>The legacy subtype for a free-text reason; anything unrecognised (or no reason) is <c>recall</c>.</summary>
    public static string Classify(string? reason)
    {
        if (!string.IsNullOrEmpty(reason))
        {
            foreach (var (keywords, subtype) in Rules)
            {
                if (keywords.Any(k => reason.Contains(k, StringComparison.OrdinalIgnoreCase)))
                {
                    return subtype;
                }
            }
        }

        return "recall";
    }
}
