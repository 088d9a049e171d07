using FluentValidation;
using Mediator;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Domain.Analytics;

namespace Teski.Application.Analytics.AssignAb;

/// <summary><c>POST /memory/ab/assign</c>: sticky A/B bucket (the first assignment wins forever).</summary>
public sealed record AssignAbCommand(UserRef User, string Experiment) : IRequest<string>, IWriteCommand;

public sealed class AssignAbValidator : AbstractValidator<AssignAbCommand>
{
    public AssignAbValidator() => RuleFor(x => x.Experiment).NotEmpty().MaximumLength(100).OverridePropertyName("experiment");
}

public sealed class AssignAbHandler(IStoreRouter stores, IClock clock, V2RuleSettings rules) : IRequestHandler<AssignAbCommand, string>
{
    public async ValueTask<string> Handle(AssignAbCommand request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var store = stores.Primary;
        var user = await store.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken)
            ?? throw new InvalidOperationException("user could not be created");
        var existing = await store.Progress.FindAssignmentAsync(user, request.Experiment, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }
        var bucket = AbTest.Bucket(request.Experiment, user.V2Id ?? Guid.Empty, rules.AbBuckets);
        return await store.Progress.AssignAsync(user, request.Experiment, bucket, now, cancellationToken);
    }
}
