using NodaTime;
using Teski.Domain.Memory;

namespace Teski.Domain.Tests;

public class MistakeTests
{
    [Theory]
    [InlineData("near_miss", "recall", "legacy:near_miss")]
    [InlineData(null, "unit", "legacy:unit")]
    [InlineData("", "format", "legacy:format")]
    [InlineData(null, null, "legacy:other")]
    [InlineData("  ", " ", "legacy:other")]
    [InlineData("legacy:sign", "recall", "legacy:sign")]
    [InlineData(null, "vendor:odd", "vendor:odd")]
    public void Legacy_subtypes_are_prefixed_once(string? errorSubtype, string? errorType, string expected) =>
        MistakeSubtype.FromLegacy(errorSubtype, errorType).Should().Be(expected);

    [Fact]
    public void The_known_subtypes_are_the_19_v2_values()
    {
        MistakeSubtype.Known.Should().HaveCount(19).And.OnlyHaveUniqueItems().And.Contain(["near_miss", "pure_guess", "other"]);
        MistakeSubtype.IsKnown("rounding_or_precision_error").Should().BeTrue();
        MistakeSubtype.IsKnown("legacy:unit").Should().BeFalse();
    }

    [Theory]
    [InlineData("sign", null, "sign")] // raw naming a known subtype is taken as is
    [InlineData("  Unit_Handling_Error ", null, "unit_handling_error")]
    [InlineData("I just guessed", "Differentiate x^2", "pure_guess")]
    [InlineData("forgot PEMDAS", null, "order_of_operations_error")]
    [InlineData("didn't distribute the 3", null, "distribution_error")]
    [InlineData("added unlike terms: combined like terms wrong", null, "combining_like_terms_error")]
    [InlineData("flipped the denominator", null, "fraction_manipulation_error")]
    [InlineData("subtracted on one side only, not both sides", null, "equation_balance_error")]
    [InlineData("couldn't isolate x", null, "isolation_error")]
    [InlineData("used the product rule instead of the chain rule", null, "derivative_rule_error")]
    [InlineData("the limit is not 0", null, "limit_evaluation_error")]
    [InlineData("substituted x = 2 wrong", null, "function_evaluation_error")]
    [InlineData("did not simplify fully", null, "algebraic_simplification_error")]
    [InlineData("forgot to convert cm to m", null, "unit_handling_error")]
    [InlineData("wrong units", null, "unit")]
    [InlineData("only 2 significant figures", null, "rounding_or_precision_error")]
    [InlineData("rounded too early", null, "rounding")]
    [InlineData("dropped the minus", null, "sign")]
    [InlineData("so close", null, "near_miss")]
    [InlineData("misunderstood the question", null, "conceptual")]
    [InlineData("42", "Evaluate f(2)", "function_evaluation_error")] // raw says nothing: the prompt decides
    [InlineData("42", "What is 6 times 7?", "other")]
    [InlineData(null, null, "other")]
    [InlineData("the design of the community garden", null, "other")] // keywords match at word starts only
    public void The_v2_subtype_is_inferred_from_raw_then_prompt(string? raw, string? prompt, string expected) =>
        MistakeSubtype.Infer(raw, prompt).Should().Be(expected);

    [Fact]
    public void A_logged_mistake_stores_the_inferred_subtype_and_empty_raw_text_when_none_was_sent()
    {
        var id = Guid.Parse("00000000-0000-0000-0000-0000000000aa");
        var user = Guid.Parse("00000000-0000-0000-0000-0000000000bb");
        var at = Instant.FromUtc(2025, 1, 2, 3, 4);

        Mistake.Log(id, user, null, "fractions", null, "Add the fractions 1/2 and 1/3", at)
            .Should().Be(new Mistake(id, user, null, "fractions", "fraction_manipulation_error", "", at));
    }

    [Theory]
    [InlineData("Wrong UNIT used", "unit")]
    [InlineData("sign error", "sign")]
    [InlineData("forgot the minus", "sign")]
    [InlineData("Misspelled it", "spelling")]
    [InlineData("near enough", "near_miss")]
    [InlineData("very close", "near_miss")]
    [InlineData("false friend", "false_friend")]
    [InlineData("algebra slip", "algebra")]
    [InlineData("concept unclear", "concept")]
    [InlineData("bad format", "format")]
    [InlineData("unit sign", "unit")] // first match in the legacy order wins
    [InlineData("close friend", "near_miss")]
    [InlineData("designer", "sign")] // the legacy rule is a plain substring test
    [InlineData("forgot", "recall")]
    [InlineData("", "recall")]
    [InlineData(null, "recall")]
    public void The_legacy_classifier_matches_keywords_in_order(string? reason, string expected) =>
        LegacyMistakeClassifier.Classify(reason).Should().Be(expected);

    [Fact]
    public void The_legacy_vocabularies_are_the_documented_ones()
    {
        LegacyMistakeClassifier.ErrorTypes.Should().Equal("recall", "concept", "format", "spelling", "unit", "other");
        LegacyMistakeClassifier.ErrorSubtypes.Should().Equal(
            "near_miss", "false_friend", "spelling", "unit", "sign", "algebra", "concept", "recall", "format", "other");
    }
}
