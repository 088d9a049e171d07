using System.Globalization;
using System.Text.Json;
using Mediator;
using NodaTime;
using Teski.Api.Auth;
using Teski.Api.Hosting;
using Teski.Application.Memory.LegacyQueue;
using Teski.Application.Memory.LegacyReviewResult;
using Teski.Application.Memory.LogLegacyMistake;
using Teski.Application.Memory.NextLegacyReviews;

namespace Teski.Api.Endpoints;

/// <summary>The legacy memory family (legacy-schema.md, "Legacy behaviour") that the web and iOS clients still call.</summary>
public sealed class LegacyMemoryEndpoints : IEndpointModule
{
    public void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapLegacyGroup().MapGroup("/memory");
        group.MapPost("/log", (LogRequest body, ICurrentUser current, IMediator mediator, CancellationToken ct) => Log(body, v1: false, current, mediator, ct))
            .Produces<IdResponse>();
        group.MapPost("/log/v1", (LogRequest body, ICurrentUser current, IMediator mediator, CancellationToken ct) => Log(body, v1: true, current, mediator, ct))
            .Produces<IdResponse>();
        group.MapPost("/mastered", Mastered).Produces<MasteredResponse>();
        group.MapPost("/plan", Plan).Produces<PlanResponse>();
        group.MapPost("/review/build", BuildReviews).Produces<BuildResponse>();
        group.MapGet("/review/next", NextReviews).Produces<ItemsResponse<ReviewItem>>();
        group.MapPost("/review/result", ReviewResult).Produces<ReviewResultResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        // "A non-integer or missing user id yields {"items": []} rather than an error": this one route resolves the
        // user_id query itself instead of the group's 403 check.
        app.MapGroup("/api/v1/memory").WithTags("legacy").RequireAuthorization(AuthServices.UserPolicy).LimitConcurrency()
            .MapGet("/next", NextResurfaced).Produces<ItemsResponse<ResurfaceItem>>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
    }

    public sealed record LogRequest(long? InstanceId, string? TemplateCode, long? SkillId, string? ErrorType, string? ErrorSubtype, JsonElement? Detail);

    public sealed record IdResponse(long Id);

    public sealed record MasteredResponse(int Resolved);

    public sealed record PlanRequest(int? Count, int? HorizonMinutes);

    public sealed record PlanResponse(int Scheduled);

    public sealed record BuildRequest(int? MaxNew, int? HorizonMinutes);

    public sealed record BuildResponse(int ScheduledOrAdjusted);

    public sealed record ItemsResponse<T>(IReadOnlyList<T> Items);

    public sealed record ResurfaceItem(string Type, string? TemplateCode, long? InstanceId);

    public sealed record ReviewItem(string Type, long? ReviewCardId, string? TemplateCode, long? InstanceId, string? Prompt);

    public sealed record ReviewResultResponse(Instant NextReviewAt, double Easiness, double IntervalDays);

    private static async Task<IdResponse> Log(LogRequest body, bool v1, ICurrentUser current, IMediator mediator, CancellationToken ct)
    {
        var detail = body.Detail is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } d ? d.GetRawText() : "{}";
        var result = await mediator.Send(new LogLegacyMistakeCommand(
            current.User, body.InstanceId, body.TemplateCode, body.SkillId, body.ErrorType, v1 ? body.ErrorSubtype : null, detail, v1), ct);
        return new IdResponse(result.Id);
    }

    private static async Task<MasteredResponse> Mastered(string? template_code, ICurrentUser current, IMediator mediator, CancellationToken ct) =>
        new(await mediator.Send(new MarkMasteredCommand(current.User, template_code ?? ""), ct));

    private static async Task<PlanResponse> Plan(PlanRequest? body, ICurrentUser current, IMediator mediator, CancellationToken ct) =>
        new(await mediator.Send(new BuildResurfacePlanCommand(current.User, body?.Count ?? 3, body?.HorizonMinutes ?? 1440), ct));

    private static async Task<BuildResponse> BuildReviews(BuildRequest? body, ICurrentUser current, IMediator mediator, CancellationToken ct) =>
        new(await mediator.Send(new BuildReviewsCommand(current.User, body?.MaxNew ?? 3, body?.HorizonMinutes ?? 1440), ct));

    private static async Task<ItemsResponse<ReviewItem>> NextReviews(ICurrentUser current, IMediator mediator, CancellationToken ct, int count = 2)
    {
        var items = await mediator.Send(new NextLegacyReviewsQuery(current.User, count), ct);
        return new(items.Select(i => new ReviewItem("review", i.ReviewCardId, i.TemplateCode, i.InstanceId, i.Prompt)).ToList());
    }

    private static async Task<ReviewResultResponse> ReviewResult(string? template_code, bool? correct, ICurrentUser current, IMediator mediator, CancellationToken ct)
    {
        if (correct is null)
        {
            throw new Errors.ValidationFailedException("correct", "is required (true or false)");
        }
        var r = await mediator.Send(new LegacyReviewResultCommand(current.User, template_code ?? "", correct.Value), ct);
        return new ReviewResultResponse(r.NextReviewAt, r.Easiness, r.IntervalDays);
    }

    private static async Task<ItemsResponse<ResurfaceItem>> NextResurfaced(HttpContext http, ICurrentUser current, IMediator mediator, CancellationToken ct, int limit = 3)
    {
        var query = http.Request.Query["user_id"].ToString();
        if (query.Length > 0)
        {
            if (!long.TryParse(query, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return new([]);
            }
            await current.EnsureSameUserAsync(query, ct);
        }
        var items = await mediator.Send(new NextResurfacedQuery(current.User, limit), ct);
        return new(items.Select(i => new ResurfaceItem("resurface", i.TemplateCode, i.InstanceId)).ToList());
    }
}
