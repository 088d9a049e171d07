using Mediator;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;

namespace Teski.Application.Memory.Stats;

/// <summary><c>GET /memory/stats</c>.</summary>
/// <remarks>An unknown user is created on first use (v2-schema.md), so this read runs as a write.</remarks>
public sealed record GetStatsQuery(UserRef User) : IRequest<StatsResult>, Common.Mirroring.IStepwiseWrite;

public sealed record StatsResult(UserIdentity User, int TodayReviewed, int DailyCap, int StreakDays, int DueCount, int ExercisesCorrectToday, int ExercisesIncorrectToday, int SuggestedNewExercises);

public sealed class GetStatsHandler(IStoreRouter stores, IClock clock, V2RuleSettings rules) : IRequestHandler<GetStatsQuery, StatsResult>
{
    public async ValueTask<StatsResult> Handle(GetStatsQuery request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var user = await stores.Primary.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken)
            ?? throw new InvalidOperationException("user could not be created");
        var s = await stores.Primary.Memory.StatsAsync(user, now, cancellationToken);
        // Suggest new exercises only when nothing is due and there is room under the cap.
        var room = Math.Max(0, rules.DailyReviewCap - s.TodayReviewed);
        var suggested = s.DueCount == 0 ? Math.Min(3, room) : 0;
        return new StatsResult(user, s.TodayReviewed, rules.DailyReviewCap, s.StreakDays, s.DueCount, s.ExercisesCorrectToday, s.ExercisesIncorrectToday, suggested);
    }
}
