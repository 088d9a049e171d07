using Mediator;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Stores;

namespace Teski.Application.Xp.Summary;

/// <summary><c>GET /memory/xp</c>: <c>{user_id, total_xp, streak_days, last_event}</c>.</summary>
public sealed record GetXpSummaryQuery(UserRef User) : IRequest<XpSummaryResult>;

public sealed record XpSummaryResult(UserRef User, Guid? V2Id, XpSummary Summary);

public sealed class GetXpSummaryHandler(IStoreRouter stores, IClock clock) : IRequestHandler<GetXpSummaryQuery, XpSummaryResult>
{
    public async ValueTask<XpSummaryResult> Handle(GetXpSummaryQuery request, CancellationToken cancellationToken)
    {
        var user = await stores.Primary.Users.ResolveAsync(request.User, null, create: false, clock.GetCurrentInstant(), cancellationToken);
        if (user is null)
        {
            return new XpSummaryResult(request.User, request.User.V2Id, new XpSummary(0, 0, null));
        }
        return new XpSummaryResult(request.User, user.V2Id, await stores.Primary.Progress.XpSummaryAsync(user, cancellationToken));
    }
}

/// <summary><c>GET /memory/badges</c>.</summary>
public sealed record GetBadgesQuery(UserRef User) : IRequest<BadgesResult>;

public sealed record BadgesResult(Guid? V2Id, IReadOnlyList<BadgeView> Badges);

public sealed class GetBadgesHandler(IStoreRouter stores, IClock clock) : IRequestHandler<GetBadgesQuery, BadgesResult>
{
    public async ValueTask<BadgesResult> Handle(GetBadgesQuery request, CancellationToken cancellationToken)
    {
        var user = await stores.Primary.Users.ResolveAsync(request.User, null, create: false, clock.GetCurrentInstant(), cancellationToken);
        return user is null
            ? new BadgesResult(request.User.V2Id, [])
            : new BadgesResult(user.V2Id, await stores.Primary.Progress.BadgesAsync(user, cancellationToken));
    }
}
