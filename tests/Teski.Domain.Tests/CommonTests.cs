using Teski.Domain.Common;

namespace Teski.Domain.Tests;

public class CommonTests
{
    // Expected ids from Python: uuid.uuid5(uuid.UUID("4f6c1f0e-8d7b-4a51-9a39-2b1f6f2f9c11"), "<table>:<key>").
    [Theory]
    [InlineData("mistake_logs", "42", "55c87142-ff54-5f6b-a8bf-bb7ecb716d68")]
    [InlineData("user", "1", "04610ec9-8a37-5c22-8297-f7a664cac844")]
    [InlineData("review_cards", "7", "8070f018-0afd-5b8f-9205-5b41c210772a")]
    public void Stable_ids_are_rfc_uuid5_of_the_legacy_key(string table, string key, string expected)
    {
        StableId.For(table, key).Should().Be(Guid.Parse(expected));
        StableId.For(table, key).Should().Be(StableId.For(table, key), "the same key always gives the same id");
    }

    [Fact]
    public void Numeric_keys_use_their_invariant_text() =>
        StableId.For("mistake_logs", 42L).Should().Be(StableId.For("mistake_logs", "42"));

    [Fact]
    public void Stable_ids_match_the_rfc_example_for_the_dns_namespace() =>
        StableId.Create(Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "python.org")
            .Should().Be(Guid.Parse("886313e1-3b8a-5372-9b90-0c9aee199e5d"));

    [Fact]
    public void Stable_ids_have_version_5_and_the_rfc_variant()
    {
        var text = StableId.Canonical(StableId.For("task", "canvas-123"));

        text[14].Should().Be('5');
        text[19].Should().BeOneOf('8', '9', 'a', 'b');
    }

    [Fact]
    public void Different_names_give_different_ids()
    {
        StableId.For("mistake_logs", "1").Should().NotBe(StableId.For("mistake_logs", "2"));
        StableId.For("mistake_logs", "1").Should().NotBe(StableId.For("review_cards", "1"));
    }

    [Fact]
    public void Canonical_text_is_lowercase_hyphenated() =>
        StableId.Canonical(Guid.Parse("3FA85F64-5717-4562-B3FC-2C963F66AFA6")).Should().Be("3fa85f64-5717-4562-b3fc-2c963f66afa6");

    // Reference values of 32-bit FNV-1a computed in Python over the UTF-8 bytes.
    [Theory]
    [InlineData("", 2166136261u)]
    [InlineData("algebra", 4281979399u)]
    [InlineData("Ålgebra", 1044236630u)]
    [InlineData("task-42", 1528617013u)]
    public void The_stable_hash_is_fnv1a_over_utf8(string text, uint expected) =>
        StableHash.Fnv1a32(text).Should().Be(expected);
}
