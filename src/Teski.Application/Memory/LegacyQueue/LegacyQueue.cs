using FluentValidation;
using Mediator;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;

namespace Teski.Application.Memory.LegacyQueue;

// The legacy resurfacing queue (resurface_plans, review card adjustments). These have no v2 counterpart, so they
// record no mirror facts; with v2 primary the v2 store answers them from memory items (see docs/api.md).

/// <summary><c>POST /api/v1/memory/plan</c>.</summary>
public sealed record BuildResurfacePlanCommand(UserRef User, int Count, int HorizonMinutes) : IRequest<int>, IWriteCommand;

public sealed class BuildResurfacePlanValidator : AbstractValidator<BuildResurfacePlanCommand>
{
    public BuildResurfacePlanValidator()
    {
        RuleFor(x => x.Count).InclusiveBetween(1, 50).OverridePropertyName("count");
        RuleFor(x => x.HorizonMinutes).InclusiveBetween(1, 60 * 24 * 30).OverridePropertyName("horizon_minutes");
    }
}

public sealed class BuildResurfacePlanHandler(IStoreRouter stores, IClock clock, LegacyRuleSettings rules) : IRequestHandler<BuildResurfacePlanCommand, int>
{
    public async ValueTask<int> Handle(BuildResurfacePlanCommand request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var user = await stores.Primary.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken);
        return user is null ? 0 : await stores.Primary.Memory.BuildResurfacePlanAsync(user, request.Count, request.HorizonMinutes, now, rules, cancellationToken);
    }
}

/// <summary><c>GET /api/v1/memory/next</c>: a missing or non-integer user id yields no items rather than an error.</summary>
public sealed record NextResurfacedQuery(UserRef? User, int Limit) : IRequest<IReadOnlyList<ResurfaceItem>>, IWriteCommand;

public sealed class NextResurfacedValidator : AbstractValidator<NextResurfacedQuery>
{
    public NextResurfacedValidator() => RuleFor(x => x.Limit).InclusiveBetween(1, 50).OverridePropertyName("limit");
}

public sealed class NextResurfacedHandler(IStoreRouter stores, IClock clock) : IRequestHandler<NextResurfacedQuery, IReadOnlyList<ResurfaceItem>>
{
    public async ValueTask<IReadOnlyList<ResurfaceItem>> Handle(NextResurfacedQuery request, CancellationToken cancellationToken)
    {
        if (request.User is not { } userRef)
        {
            return [];
        }
        var now = clock.GetCurrentInstant();
        var user = await stores.Primary.Users.ResolveAsync(userRef, null, create: false, now, cancellationToken);
        return user is null ? [] : await stores.Primary.Memory.TakeResurfacedAsync(user, request.Limit, now, cancellationToken);
    }
}

/// <summary><c>POST /api/v1/memory/review/build</c>.</summary>
public sealed record BuildReviewsCommand(UserRef User, int MaxNew, int HorizonMinutes) : IRequest<int>, IWriteCommand;

public sealed class BuildReviewsValidator : AbstractValidator<BuildReviewsCommand>
{
    public BuildReviewsValidator()
    {
        RuleFor(x => x.MaxNew).InclusiveBetween(0, 50).OverridePropertyName("max_new");
        RuleFor(x => x.HorizonMinutes).InclusiveBetween(1, 60 * 24 * 30).OverridePropertyName("horizon_minutes");
    }
}

public sealed class BuildReviewsHandler(IStoreRouter stores, IClock clock, LegacyRuleSettings rules) : IRequestHandler<BuildReviewsCommand, int>
{
    public async ValueTask<int> Handle(BuildReviewsCommand request, CancellationToken cancellationToken)
    {
        if (rules.MemoryDisabled)
        {
            return 0;
        }
        var now = clock.GetCurrentInstant();
        var user = await stores.Primary.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken);
        return user is null ? 0 : await stores.Primary.Memory.BuildReviewsAsync(user, request.MaxNew, request.HorizonMinutes, now, rules, cancellationToken);
    }
}

/// <summary>Legacy "mark mastered": resolves the 3 most recent unresolved mistakes of the template.</summary>
public sealed record MarkMasteredCommand(UserRef User, string TemplateCode) : IRequest<int>, IWriteCommand;

public sealed class MarkMasteredValidator : AbstractValidator<MarkMasteredCommand>
{
    public MarkMasteredValidator() => RuleFor(x => x.TemplateCode).NotEmpty().MaximumLength(255).OverridePropertyName("template_code");
}

public sealed class MarkMasteredHandler(IStoreRouter stores, WriteScope scope, IClock clock) : IRequestHandler<MarkMasteredCommand, int>
{
    public async ValueTask<int> Handle(MarkMasteredCommand request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var user = await stores.Primary.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken)
            ?? throw new InvalidOperationException("user could not be resolved");
        var resolved = await stores.Primary.Memory.MarkMasteredAsync(user, request.TemplateCode, now, cancellationToken);
        scope.Record(new MasteredFact(user, now, request.TemplateCode));
        return resolved;
    }
}
