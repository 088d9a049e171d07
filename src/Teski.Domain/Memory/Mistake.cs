using NodaTime;

namespace Teski.Domain.Memory;

/// <summary>A v2 <c>mistake</c> row: an immutable record of one wrong answer.</summary>
public sealed record Mistake(
    Guid Id, Guid UserId, Guid? TaskId, string Concept, string Subtype, string Raw, Instant CreatedAt)
{
    /// <summary>A mistake reported through <c>POST /memory/mistake</c>; the subtype is inferred (see <see cref="MistakeSubtype.Infer"/>).</summary>
    public static Mistake Log(
        Guid id, Guid userId, Guid? taskId, string concept, string? raw, string? prompt, Instant now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(concept);
        // raw is NOT NULL in v2; an absent raw text is stored as empty rather than inventing content.
        return new Mistake(id, userId, taskId, concept, MistakeSubtype.Infer(raw, prompt), raw ?? string.Empty, now);
    }
}
