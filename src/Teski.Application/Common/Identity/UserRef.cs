using System.Globalization;

namespace Teski.Application.Common.Identity;

/// <summary>
/// A person as a caller names them: a legacy integer id (legacy tokens, legacy <c>user_id</c>) or a v2 UUID.
/// Both resolve to the same person through <c>legacy_user_map</c>; each store resolves a ref to its own row.
/// </summary>
public readonly record struct UserRef
{
    private UserRef(long? legacyId, Guid? v2Id)
    {
        LegacyId = legacyId;
        V2Id = v2Id;
    }

    public long? LegacyId { get; }

    public Guid? V2Id { get; }

    public static UserRef Legacy(long id) => new(id, null);

    public static UserRef V2(Guid id) => new(null, id);

    /// <summary>Parses a token subject or a <c>user_id</c> value: digits → legacy id, a UUID (any common form) → v2 id.</summary>
    public static bool TryParse(string? text, out UserRef user)
    {
        user = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        text = text.Trim();
        if (text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var legacy) && legacy > 0)
        {
            user = Legacy(legacy);
            return true;
        }
        if (Guid.TryParse(text, out var id) && id != Guid.Empty)
        {
            user = V2(id);
            return true;
        }
        return false;
    }

    public static UserRef Parse(string value) =>
        TryParse(value, out var user) ? user : throw new FormatException($"'{value}' is neither a legacy integer user id nor a UUID");

    public override string ToString() => LegacyId is { } l ? l.ToString(CultureInfo.InvariantCulture) : V2Id!.Value.ToString("D");
}
