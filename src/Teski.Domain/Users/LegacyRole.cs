namespace Teski.Domain.Users;

/// <summary>Legacy <c>user.role</c>; the column holds these names verbatim (SQLAlchemy stores enum names).</summary>
public enum LegacyRole
{
    STUDENT,
    EDUCATOR,
    INSTITUTION_ADMIN,
    TESKI_ADMIN,
}
