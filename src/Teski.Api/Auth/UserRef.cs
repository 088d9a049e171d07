using System.Globalization;

namespace Teski.Api.Auth;

/// <summary>
/// The raw subject of a request: a legacy integer id or a v2 UUID, exactly as the token (or trusted header) named it.
/// Resolving one to the other goes through <c>legacy_user_map</c> and is not this type's business.
/// </summary>
public abstract record UserRef
{
    private UserRef()
    {
    }

    public sealed record Legacy(long Id) : UserRef
    {
        public override string ToString() => Id.ToString(CultureInfo.InvariantCulture);
    }

    public sealed record V2(Guid Id) : UserRef
    {
        public override string ToString() => Id.ToString("D");
    }

    public long? LegacyId => this is Legacy l ? l.Id : null;

    public Guid? V2Id => this is V2 v ? v.Id : null;

    /// <summary>A legacy integer id (digits only, positive) or a UUID; anything else is not a user.</summary>
    public static bool TryParse(string? value, out UserRef user)
    {
        value = value?.Trim();
        if (!string.IsNullOrEmpty(value))
        {
            if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            {
                user = new Legacy(id);
                return true;
            }
            if (Guid.TryParse(value, out var guid))
            {
                user = new V2(guid);
                return true;
            }
        }
        user = null!;
        return false;
    }

    public static UserRef Parse(string value) =>
        TryParse(value, out var user) ? user : throw new FormatException($"'{value}' is neither a legacy integer user id nor a UUID");
}
