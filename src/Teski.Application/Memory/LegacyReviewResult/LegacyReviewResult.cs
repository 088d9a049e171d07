using FluentValidation;
using Mediator;
using NodaTime;
using Teski.Application.Common.Errors;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;

namespace Teski.Application.Memory.LegacyReviewResult;

/// <summary>
/// <c>POST /api/v1/memory/review/result</c>: the legacy SM-2 card update. With v2 primary the same answer is a v2
/// review of the concept with grade 5 (correct) or 2 (wrong), as the legacy bridge did.
/// </summary>
public sealed record LegacyReviewResultCommand(UserRef User, string TemplateCode, bool Correct) : IRequest<LegacyReviewResultResponse>, IWriteCommand;

public sealed record LegacyReviewResultResponse(Instant NextReviewAt, double Easiness, double IntervalDays);

public sealed class LegacyReviewResultValidator : AbstractValidator<LegacyReviewResultCommand>
{
    public LegacyReviewResultValidator() => RuleFor(x => x.TemplateCode).NotEmpty().MaximumLength(255).OverridePropertyName("template_code");
}

public sealed class LegacyReviewResultHandler(IStoreRouter stores, WriteScope scope, IClock clock, V2RuleSettings rules)
    : IRequestHandler<LegacyReviewResultCommand, LegacyReviewResultResponse>
{
    public const int CorrectGrade = 5;
    public const int WrongGrade = 2;

    public async ValueTask<LegacyReviewResultResponse> Handle(LegacyReviewResultCommand request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var store = stores.Primary;
        var user = await store.Users.ResolveAsync(request.User, null, create: false, now, cancellationToken)
            ?? throw new NotFoundException("review_card_not_found");
        var grade = request.Correct ? CorrectGrade : WrongGrade;
        var recorded = await store.Memory.ReviewAsync(user, ReviewTarget.ByConcept(request.TemplateCode), grade, now, rules, cancellationToken)
            ?? throw new NotFoundException("review_card_not_found", "No review card for that template code.");
        scope.Record(new ReviewFact(user, now, recorded.Concept, grade));
        return new LegacyReviewResultResponse(recorded.NextDueAt, recorded.Ease, recorded.IntervalDays);
    }
}
