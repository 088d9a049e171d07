using FluentValidation;
using Mediator;
using NodaTime;
using Teski.Application.Common.Errors;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Domain.Persona;

namespace Teski.Application.Memory.Review;

/// <summary><c>POST /memory/review</c>: grade a memory item (0..5): schedule, review log, XP, streak, Nemesis, analytics.</summary>
public sealed record ReviewCommand(UserRef User, Guid MemoryId, int Grade) : IRequest<ReviewResult>, IWriteCommand;

public sealed record ReviewResult(Guid MemoryId, string Concept, Instant NextDueAt, int IntervalDays, double Ease, int XpAwarded, string PersonaMsg);

public sealed class ReviewValidator : AbstractValidator<ReviewCommand>
{
    public ReviewValidator()
    {
        RuleFor(x => x.MemoryId).NotEmpty().OverridePropertyName("memory_id");
        RuleFor(x => x.Grade).InclusiveBetween(0, 5).OverridePropertyName("grade");
    }
}

public sealed class ReviewHandler(IStoreRouter stores, WriteScope scope, IClock clock, V2RuleSettings rules)
    : IRequestHandler<ReviewCommand, ReviewResult>
{
    public async ValueTask<ReviewResult> Handle(ReviewCommand request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var store = stores.Primary;
        var target = ReviewTarget.Memory(request.MemoryId);
        UserIdentity user;
        ReviewRecorded? recorded;
        // PostgreSQL v2, a user the store knows: the user's row is read with the review's locks (ADR 0009 addendum).
        if (request.User.V2Id is { } known && store.Memory is IKnownUserReviewPort oneRead
            && await oneRead.ReviewKnownUserAsync(known, target, request.Grade, now, rules, cancellationToken) is { } done)
        {
            (user, recorded) = (done.User, done.Recorded);
        }
        else
        {
            user = await store.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken)
                ?? throw new NotFoundException("memory_not_found");
            recorded = await store.Memory.ReviewAsync(user, target, request.Grade, now, rules, cancellationToken);
        }
        if (recorded is null)
        {
            throw new NotFoundException("memory_not_found", "No memory item with that id belongs to this user.");
        }
        scope.Record(new ReviewFact(user, now, recorded.Concept, request.Grade));

        var persona = PersonaKeys.Parse(user.Persona ?? rules.PersonaDefault);
        var message = PersonaLines.Choose(persona, recorded.FirstReviewToday, PersonaLines.ContextKey(recorded.Concept, null, user.V2Id ?? Guid.Empty));
        if (recorded.FirstReviewToday)
        {
            await store.Personas.MarkWarmupAsync(user, persona.ToWire(), now, cancellationToken);
        }
        return new ReviewResult(recorded.MemoryId ?? request.MemoryId, recorded.Concept, recorded.NextDueAt, (int)recorded.IntervalDays, recorded.Ease, recorded.XpAwarded, message);
    }
}
