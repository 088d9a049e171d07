using System.Text.Json;
using FluentValidation;
using Mediator;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Domain.Analytics;
using Teski.Domain.Users;

namespace Teski.Application.Memory.NextReviews;

/// <summary><c>GET /memory/next</c>: the user's due items, earliest first, within the daily cap.</summary>
public sealed record NextReviewsQuery(UserRef User, int Limit) : IRequest<NextReviewsResult>, IStepwiseWrite;

public sealed record NextReviewsResult(IReadOnlyList<DueItem> Items, int RemainingToday);

public sealed class NextReviewsValidator : AbstractValidator<NextReviewsQuery>
{
    public NextReviewsValidator() => RuleFor(x => x.Limit).InclusiveBetween(1, 50).OverridePropertyName("limit");
}

public sealed class NextReviewsHandler(IStoreRouter stores, IClock clock, V2RuleSettings rules)
    : IRequestHandler<NextReviewsQuery, NextReviewsResult>
{
    public async ValueTask<NextReviewsResult> Handle(NextReviewsQuery request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var store = stores.Primary;
        var oneTrip = store.Memory as INextFetchPort;
        // PostgreSQL v2, a user the store knows: the user's row, the reads and the fetch event in one statement (ADR 0009
        // addendum). Resolving first (below) reads the same row, or creates it for a new user.
        if (!rules.KillSwitch && request.User.V2Id is { } known && oneTrip is not null
            && await oneTrip.TakeNextAsync(known, request.Limit, rules.DailyReviewCap, now, cancellationToken) is { } fast)
        {
            return new NextReviewsResult(fast.Items, DailyCap.Remaining(rules.DailyReviewCap, fast.ReviewedToday));
        }
        var user = await store.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken)
            ?? throw new InvalidOperationException("user could not be created");
        if (rules.KillSwitch)
        {
            return new NextReviewsResult([], 0);
        }
        if (oneTrip is not null && user.V2Id is { } created
            && await oneTrip.TakeNextAsync(created, request.Limit, rules.DailyReviewCap, now, cancellationToken) is { } taken)
        {
            return new NextReviewsResult(taken.Items, DailyCap.Remaining(rules.DailyReviewCap, taken.ReviewedToday));
        }
        // One read: the capped limit can only be smaller than both the request and the cap, so fetch up to those
        // and trim once today's count is known.
        var fetched = await store.Memory.NextDueAsync(user, Math.Min(request.Limit, rules.DailyReviewCap), now, cancellationToken);
        var today = fetched.ReviewedToday;
        var items = fetched.Items.Take(DailyCap.Limit(request.Limit, rules.DailyReviewCap, today)).ToList();
        await store.Progress.RecordEventAsync(user, AnalyticsKinds.ReviewFetch, JsonSerializer.Serialize(new { count = items.Count }), now, cancellationToken);
        return new NextReviewsResult(items, DailyCap.Remaining(rules.DailyReviewCap, today));
    }
}
