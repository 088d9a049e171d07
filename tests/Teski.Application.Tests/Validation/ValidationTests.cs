using FluentValidation;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Teski.Application.Analytics.AssignAb;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Leaderboard.AwardPoints;
using Teski.Application.Memory.LegacyQueue;
using Teski.Application.Memory.LegacyReviewResult;
using Teski.Application.Memory.LogLegacyMistake;
using Teski.Application.Memory.LogMistake;
using Teski.Application.Memory.NextLegacyReviews;
using Teski.Application.Memory.NextReviews;
using Teski.Application.Memory.Review;
using Teski.Application.Persona.Definitions;
using Teski.Infrastructure.Persistence;
using Teski.Testing;

namespace Teski.Application.Tests.Validation;

/// <summary>Bad input for each request type is rejected by its validator, naming the field, before any store is touched.</summary>
public class ValidationTests : IAsyncLifetime
{
    private static readonly UserRef User = UserRef.Legacy(3);
    private StoreHarness _h = null!;

    public async Task InitializeAsync() => _h = await StoreHarness.CreateAsync(DatabaseProvider.Sqlite, RolloutStage.DualWriteV2Primary);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    public static TheoryData<string, object> BadRequests() => new()
    {
        { "concept", new LogMistakeCommand(User, "", null, null, null, null) },
        { "grade", new ReviewCommand(User, Guid.NewGuid(), 6) },
        { "grade", new ReviewCommand(User, Guid.NewGuid(), -1) },
        { "memory_id", new ReviewCommand(User, Guid.Empty, 3) },
        { "limit", new NextReviewsQuery(User, 51) },
        { "limit", new NextReviewsQuery(User, 0) },
        { "experiment", new AssignAbCommand(User, "") },
        { "error_type", new LogLegacyMistakeCommand(User, null, "t", null, "typo", null, "{}", V1: false) },
        { "error_subtype", new LogLegacyMistakeCommand(User, null, "t", null, "recall", "wild_guess", "{}", V1: true) },
        { "skill_id", new LogLegacyMistakeCommand(User, null, null, -4, "recall", null, "{}", V1: false) },
        { "template_code", new LegacyReviewResultCommand(User, "", true) },
        { "template_code", new MarkMasteredCommand(User, "") },
        { "count", new BuildResurfacePlanCommand(User, 0, 60) },
        { "horizon_minutes", new BuildResurfacePlanCommand(User, 3, 0) },
        { "max_new", new BuildReviewsCommand(User, -1, 60) },
        { "count", new NextLegacyReviewsQuery(User, 0) },
        { "limit", new NextResurfacedQuery(User, 0) },
        { "phase", new PreviewNudgeQuery(null, "", 30, false, 0, null) },
        { "event_type", new AwardPointsCommand(1, User, "", null, null) },
        { "leaderboard_id", new AwardPointsCommand(0, User, "task_completed", null, null) },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Rejected_with_the_field_named_and_nothing_written(string field, object request)
    {
        await using var scope = _h.Services.CreateAsyncScope();
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();

        var act = async () => await mediator.Send(request);

        var error = await act.Should().ThrowAsync<ValidationException>();
        error.Which.Errors.Select(e => e.PropertyName).Should().Contain(field);
        (await _h.CountAsync(StoreKind.V2, "user")).Should().Be(0);
        (await _h.CountAsync(StoreKind.Legacy, "mistake_logs")).Should().Be(0);
    }
}
