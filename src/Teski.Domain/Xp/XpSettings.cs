namespace Teski.Domain.Xp;

/// <summary><c>XP_BASE</c> and <c>XP_MASTERY_BONUS</c>.</summary>
public sealed record XpSettings(int Base = 10, int MasteryBonus = 50)
{
    public static XpSettings Default { get; } = new();
}
