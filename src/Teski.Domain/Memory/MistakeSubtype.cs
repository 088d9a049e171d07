using System.Text.RegularExpressions;

namespace Teski.Domain.Memory;

/// <summary>The v2 <c>mistake.subtype</c> vocabulary (v2-schema.md) and the two ways a subtype is decided.</summary>
public static class MistakeSubtype
{
    public const string NearMiss = "near_miss";
    public const string Sign = "sign";
    public const string Unit = "unit";
    public const string Rounding = "rounding";
    public const string Conceptual = "conceptual";
    public const string DistributionError = "distribution_error";
    public const string CombiningLikeTermsError = "combining_like_terms_error";
    public const string FractionManipulationError = "fraction_manipulation_error";
    public const string EquationBalanceError = "equation_balance_error";
    public const string IsolationError = "isolation_error";
    public const string OrderOfOperationsError = "order_of_operations_error";
    public const string FunctionEvaluationError = "function_evaluation_error";
    public const string LimitEvaluationError = "limit_evaluation_error";
    public const string DerivativeRuleError = "derivative_rule_error";
    public const string AlgebraicSimplificationError = "algebraic_simplification_error";
    public const string UnitHandlingError = "unit_handling_error";
    public const string RoundingOrPrecisionError = "rounding_or_precision_error";
    public const string PureGuess = "pure_guess";
    public const string Other = "other";

    /// <summary>The prefix that marks a subtype carried over from the legacy stack.</summary>
    public const string LegacyPrefix = "legacy:";

    public static IReadOnlyList<string> Known { get; } =
    [
        NearMiss, Sign, Unit, Rounding, Conceptual, DistributionError, CombiningLikeTermsError,
        FractionManipulationError, EquationBalanceError, IsolationError, OrderOfOperationsError,
        FunctionEvaluationError, LimitEvaluationError, DerivativeRuleError, AlgebraicSimplificationError,
        UnitHandlingError, RoundingOrPrecisionError, PureGuess, Other,
    ];

    private static readonly HashSet<string> KnownSet = new(Known, StringComparer.Ordinal);

    public static bool IsKnown(string? subtype) => subtype is not null && KnownSet.Contains(subtype);

    /// <summary>
    /// The v2 subtype of a legacy <c>mistake_logs</c> row (migration-rules.md): <c>legacy:&lt;error_subtype or
    /// error_type or other&gt;</c>. A value that already contains ':' was prefixed before (or is namespaced on
    /// purpose) and is kept as is, so mapping twice does not give <c>legacy:legacy:...</c>.
    /// </summary>
    public static string FromLegacy(string? errorSubtype, string? errorType)
    {
        var value = !string.IsNullOrWhiteSpace(errorSubtype) ? errorSubtype
            : !string.IsNullOrWhiteSpace(errorType) ? errorType
            : Other;
        return value.Contains(':', StringComparison.Ordinal) ? value : LegacyPrefix + value;
    }

    // Ordered: the first rule that matches wins. Specific algebra/calculus errors come before the broad
    // families (sign, unit, rounding) they could also be described with, and an admitted guess beats everything.
    // Keywords match at a word start (so "sign" does not match "design"/"assign", "unit" not "community").
    private static readonly (Regex Pattern, string Subtype)[] InferenceRules =
    [
        (Rule(@"guess(ed|ing)?|no idea|random"), PureGuess),
        (Rule(@"order of operations|pemdas|bodmas|precedence"), OrderOfOperationsError),
        (Rule(@"distribut"), DistributionError),
        (Rule(@"like terms|combin(e|ing) terms"), CombiningLikeTermsError),
        (Rule(@"fraction|numerator|denominator"), FractionManipulationError),
        (Rule(@"both sides|balanc"), EquationBalanceError),
        (Rule(@"isolat"), IsolationError),
        (Rule(@"derivative|differentiat|chain rule|product rule|quotient rule"), DerivativeRuleError),
        (Rule(@"limit"), LimitEvaluationError),
        (Rule(@"evaluat|substitut|plug(ged|ging)? in"), FunctionEvaluationError),
        (Rule(@"simplif|factor|expand"), AlgebraicSimplificationError),
        (Rule(@"convert|conversion"), UnitHandlingError),
        (Rule(@"units?\b"), Unit),
        (Rule(@"precision|significant|decimal place"), RoundingOrPrecisionError),
        (Rule(@"round"), Rounding),
        (Rule(@"signs?\b|minus|negative"), Sign),
        (Rule(@"near|close|almost|off by"), NearMiss),
        (Rule(@"concept|misunderst|confus"), Conceptual),
    ];

    private static Regex Rule(string keywords) =>
        new(@"\b(" + keywords + ")", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>
    /// The subtype of a v2 <c>POST /memory/mistake</c>. Rule: (1) a <paramref name="raw"/> that is itself a known
    /// subtype name (any case, surrounding spaces ignored) is taken as is; (2) otherwise the keyword rules above
    /// are tried, first on <paramref name="raw"/> (the learner's answer or note, which describes the mistake),
    /// then on <paramref name="prompt"/> (which only hints at the topic); (3) otherwise <c>other</c>.
    /// Deterministic and free of I/O so the backfill, the mirror and the endpoint all agree.
    /// </summary>
    public static string Infer(string? raw, string? prompt)
    {
        var exact = raw?.Trim().ToLowerInvariant();
        if (IsKnown(exact))
        {
            return exact!;
        }

        return Classify(raw) ?? Classify(prompt) ?? Other;
    }

    private static string? Classify(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        foreach (var (pattern, subtype) in InferenceRules)
        {
            if (pattern.IsMatch(text))
            {
                return subtype;
            }
        }

        return null;
    }
}
