namespace Teski.Domain.Users;

/// <summary>The v2 daily review cap (<c>DAILY_REVIEW_CAP</c>, default 60).</summary>
public static class DailyCap
{
    public const int DefaultCap = 60;

    public static int Remaining(int cap, int reviewedToday) => Math.Max(0, cap - reviewedToday);

    /// <summary>How many items the next-reviews query may return: the request, but never past the cap.</summary>
    public static int Limit(int requested, int cap, int reviewedToday) =>
        Math.Max(0, Math.Min(requested, Remaining(cap, reviewedToday)));
}
