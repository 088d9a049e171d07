using FluentValidation;
using Mediator;
using NodaTime;
using Teski.Application.Common.Errors;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Stores;
using Teski.Domain.Common;
using Teski.Domain.Xp;

namespace Teski.Application.Leaderboard.AwardPoints;

/// <summary><c>POST /leaderboards/{id}/award</c>: points → the week's score, mirrored as an XP event (reason = event type).</summary>
public sealed record AwardPointsCommand(long LeaderboardId, UserRef User, string EventType, int? Points, string? MetaJson)
    : IRequest<PointsAwarded>, IWriteCommand;

public sealed class AwardPointsValidator : AbstractValidator<AwardPointsCommand>
{
    public AwardPointsValidator()
    {
        RuleFor(x => x.LeaderboardId).GreaterThan(0).OverridePropertyName("leaderboard_id");
        RuleFor(x => x.EventType).NotEmpty().MaximumLength(64).OverridePropertyName("event_type");
        RuleFor(x => x.Points).InclusiveBetween(-100_000, 100_000).When(x => x.Points is not null).OverridePropertyName("points");
    }
}

public sealed class AwardPointsHandler(IStoreRouter stores, ILeaderboardPort leaderboards, WriteScope scope, IClock clock)
    : IRequestHandler<AwardPointsCommand, PointsAwarded>
{
    public async ValueTask<PointsAwarded> Handle(AwardPointsCommand request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var legacy = stores.Get(Common.Settings.StoreKind.Legacy);
        var legacyUser = await legacy.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken)
            ?? throw new InvalidOperationException("user could not be resolved");
        var points = LeaderboardPoints.Resolve(request.EventType, request.Points);
        var awarded = await leaderboards.AwardAsync(request.LeaderboardId, legacyUser.LegacyId!.Value, request.EventType, points, request.MetaJson, now, cancellationToken)
            ?? throw new NotFoundException("leaderboard_not_found", "No leaderboard with that id.");

        // The XP copy has the pointsevent's stable id, so the mirror, the backfill and a retry all land on one row.
        var xpId = StableId.For("pointsevent", awarded.PointsEventId);
        var primaryUser = stores.Primary.Kind == Common.Settings.StoreKind.Legacy
            ? legacyUser
            : await stores.Primary.Users.ResolveAsync(request.User, legacyUser, create: true, now, cancellationToken) ?? legacyUser;
        await stores.Primary.Progress.AwardXpAsync(primaryUser, xpId, points, request.EventType, now, cancellationToken);
        scope.Record(new XpFact(primaryUser with { LegacyId = legacyUser.LegacyId }, now, xpId, points, request.EventType));
        return awarded;
    }
}
