using Mediator;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;

namespace Teski.Application.Memory.Stats;

/// <summary><c>GET /memory/stats</c>.</summary>
public sealed record GetStatsQuery(UserRef User) : IRequest<StatsResult>;

public sealed record StatsResult(UserIdentity User, int TodayReviewed, int DailyCap, int StreakDays, int DueCount, int ExercisesCorrectToday, int ExercisesIncorrectToday, int SuggestedNewExercises);

public sealed class GetStatsHandler(IStoreRouter stores, IClock clock, V2RuleSettings rules) : IRequestHandler<GetStatsQuery, StatsResult>
{
    public async ValueTask<StatsResult> Handle(GetStatsQuery request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var user = await stores.Primary.Users.ResolveAsync(request.User, null, create: false, now, cancellationToken);
        if (user is null)
        {
            // An unknown user has simply done nothing yet; reads never create rows.
            var nobody = new UserIdentity(request.User.LegacyId, request.User.V2Id, "UTC", true, null);
            return new StatsResult(nobody, 0, rules.DailyReviewCap, 0, 0, 0, 0, 0);
        }
        var s = await stores.Primary.Memory.StatsAsync(user, now, cancellationToken);
        // Suggest new exercises only when nothing is due and there is room under the cap.
        var room = Math.Max(0, rules.DailyReviewCap - s.TodayReviewed);
        var suggested = s.DueCount == 0 ? Math.Min(3, room) : 0;
        return new StatsResult(user, s.TodayReviewed, rules.DailyReviewCap, s.StreakDays, s.DueCount, s.ExercisesCorrectToday, s.ExercisesIncorrectToday, suggested);
    }
}
