using FluentValidation;
using Mediator;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Domain.Persona;

namespace Teski.Application.Memory.NextLegacyReviews;

/// <summary><c>GET /api/v1/memory/review/next</c>: due cards become served and carry a persona prompt (warm-up line first).</summary>
public sealed record NextLegacyReviewsQuery(UserRef User, int Count) : IRequest<IReadOnlyList<LegacyReviewItem>>, IWriteCommand;

public sealed record LegacyReviewItem(long? ReviewCardId, string? TemplateCode, long? InstanceId, string? Prompt);

public sealed class NextLegacyReviewsValidator : AbstractValidator<NextLegacyReviewsQuery>
{
    public NextLegacyReviewsValidator() => RuleFor(x => x.Count).InclusiveBetween(1, 50).OverridePropertyName("count");
}

public sealed class NextLegacyReviewsHandler(IStoreRouter stores, IClock clock, LegacyRuleSettings rules, V2RuleSettings v2Rules)
    : IRequestHandler<NextLegacyReviewsQuery, IReadOnlyList<LegacyReviewItem>>
{
    /// <summary>The legacy A/B gate: users in this bucket of <see cref="Experiment"/> get no warm-up reviews.</summary>
    public const string Experiment = "memory_v1";
    public const string GatedBucket = "B";

    public async ValueTask<IReadOnlyList<LegacyReviewItem>> Handle(NextLegacyReviewsQuery request, CancellationToken cancellationToken)
    {
        if (rules.MemoryDisabled)
        {
            return [];
        }
        var now = clock.GetCurrentInstant();
        var store = stores.Primary;
        var user = await store.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken);
        if (user is null)
        {
            return [];
        }
        var bucket = await store.Progress.FindAssignmentAsync(user, Experiment, cancellationToken);
        if (string.Equals(bucket, GatedBucket, StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }
        var served = await store.Memory.ServeDueReviewsAsync(user, request.Count, now, rules, cancellationToken);
        var persona = PersonaKeys.Parse(user.Persona ?? v2Rules.PersonaDefault);
        return served
            .Select((card, i) => new LegacyReviewItem(
                card.ReviewCardId,
                card.TemplateCode,
                card.InstanceId,
                PersonaLines.Choose(persona, warmup: i == 0, PersonaLines.ContextKey(card.Concept, null, user.V2Id ?? Guid.Empty))))
            .ToList();
    }
}
