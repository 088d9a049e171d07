namespace Teski.Domain.Xp;

/// <summary>An XP award: what an <c>xpevent</c> row and the <c>xp.awarded</c> analytics payload record.</summary>
public sealed record XpAward(int Total, int Base, int Bonus, string Reason)
{
    public const string ReviewReason = "review";
    public const string MistakeReason = "mistake";
    public const int MistakeAmount = 3;

    /// <summary>An item counts as mastered past this ease and interval, which earns the bonus.</summary>
    public const double MasteryEase = 2.8;
    public const int MasteryIntervalDays = 21;

    /// <summary>Alias of <see cref="Total"/>: the <c>xpevent.amount</c> column.</summary>
    public int Amount => Total;

    /// <summary>
    /// XP for a review, from the item's state after the review. A total ≤ 0 (e.g. settings of 0) awards nothing,
    /// and then no event is written, hence null.
    /// </summary>
    public static XpAward? ForReview(double ease, int interval, XpSettings s)
    {
        var bonus = ease > MasteryEase && interval >= MasteryIntervalDays ? s.MasteryBonus : 0;
        var total = s.Base + bonus;
        return total > 0 ? new XpAward(total, s.Base, bonus, ReviewReason) : null;
    }

    /// <summary>Logging a mistake is rewarded too: owning up to it is the habit the app builds.</summary>
    public static XpAward ForMistake() => new(MistakeAmount, MistakeAmount, 0, MistakeReason);
}
