using System.Text.Json;
using Mediator;
using NodaTime;
using Teski.Api.Auth;
using Teski.Application.Analytics.AssignAb;
using Teski.Application.Memory.LogMistake;
using Teski.Application.Memory.NextReviews;
using Teski.Application.Memory.Review;
using Teski.Application.Memory.Stats;
using Teski.Application.Persona.GetPersona;
using Teski.Application.Xp.Summary;

namespace Teski.Api.Endpoints;

/// <summary>The v2 memory family (v2-schema.md, "Endpoints"), served under both <c>/memory</c> and <c>/api/memory</c>.</summary>
public sealed class MemoryEndpoints : IEndpointModule
{
    public void Map(IEndpointRouteBuilder app) => app.MapV2(group =>
    {
        group.MapPost("/mistake", LogMistake).Produces<MistakeResponse>();
        group.MapGet("/next", Next).Produces<NextResponse>();
        group.MapPost("/review", Review).Produces<ReviewResponse>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/persona", Persona).Produces<PersonaResponse>();
        group.MapGet("/stats", Stats).Produces<StatsResponse>();
        group.MapPost("/ab/assign", AssignAb).Produces<AbResponse>();
        group.MapGet("/xp", Xp).Produces<XpResponse>();
        group.MapGet("/badges", Badges).Produces<BadgesResponse>();
    });

    public sealed record MistakeRequest(string? UserId, string? Concept, Guid? TaskId, string? Raw, JsonElement? Context);

    public sealed record MistakeResponse(Guid MemoryId, string Concept, string Subtype);

    public sealed record ReviewRequest(string? UserId, Guid? MemoryId, int? Grade);

    public sealed record ReviewResponse(Guid MemoryId, string Concept, Instant NextDueAt, int IntervalDays, double Ease, int XpAwarded, string PersonaMsg);

    public sealed record NextItem(Guid MemoryId, string Concept, Instant DueAt);

    public sealed record NextResponse(IReadOnlyList<NextItem> Items, int RemainingToday);

    public sealed record PersonaResponse(string UserId, string Persona, bool Warmup, string Copy, Instant? WarmupTs);

    public sealed record StatsResponse(string UserId, int TodayReviewed, int DailyCap, int StreakDays, int DueCount, int ExercisesCorrectToday, int ExercisesIncorrectToday, int SuggestedNewExercises);

    public sealed record AbRequest(string? UserId, string? Experiment);

    public sealed record AbResponse(string Bucket);

    public sealed record XpEvent(int Amount, string Reason, Instant Ts);

    public sealed record XpResponse(string UserId, int TotalXp, int StreakDays, XpEvent? LastEvent);

    public sealed record Badge(string Kind, Instant AcquiredAt);

    public sealed record BadgesResponse(string UserId, IReadOnlyList<Badge> Items);

    private static async Task<MistakeResponse> LogMistake(MistakeRequest body, ICurrentUser current, IMediator mediator, CancellationToken ct)
    {
        await current.EnsureSameUserAsync(body.UserId, ct);
        string? prompt = null;
        string? contextJson = null;
        if (body.Context is { ValueKind: JsonValueKind.Object } context)
        {
            contextJson = context.GetRawText();
            if (context.TryGetProperty("prompt", out var p) && p.ValueKind == JsonValueKind.String)
            {
                prompt = p.GetString();
            }
        }
        var result = await mediator.Send(new LogMistakeCommand(current.User, body.Concept ?? "", body.TaskId, body.Raw, prompt, contextJson), ct);
        return new MistakeResponse(result.MemoryId, result.Concept, result.Subtype);
    }

    private static async Task<NextResponse> Next(ICurrentUser current, IMediator mediator, CancellationToken ct, int limit = 10)
    {
        var result = await mediator.Send(new NextReviewsQuery(current.User, limit), ct);
        return new NextResponse(
            result.Items.Select(i => new NextItem(i.MemoryId ?? Guid.Empty, i.Concept, i.DueAt)).ToList(),
            result.RemainingToday);
    }

    private static async Task<ReviewResponse> Review(ReviewRequest body, ICurrentUser current, IMediator mediator, CancellationToken ct)
    {
        await current.EnsureSameUserAsync(body.UserId, ct);
        var r = await mediator.Send(new ReviewCommand(current.User, body.MemoryId ?? Guid.Empty, body.Grade ?? -1), ct);
        return new ReviewResponse(r.MemoryId, r.Concept, r.NextDueAt, r.IntervalDays, r.Ease, r.XpAwarded, r.PersonaMsg);
    }

    private static async Task<PersonaResponse> Persona(ICurrentUser current, IMediator mediator, CancellationToken ct)
    {
        var p = await mediator.Send(new GetPersonaQuery(current.User), ct);
        return new PersonaResponse(UserIdText(p.User.V2Id, current), p.Persona, p.Warmup, p.Copy, p.WarmupTs);
    }

    private static async Task<StatsResponse> Stats(ICurrentUser current, IMediator mediator, CancellationToken ct)
    {
        var s = await mediator.Send(new GetStatsQuery(current.User), ct);
        return new StatsResponse(UserIdText(s.User.V2Id, current), s.TodayReviewed, s.DailyCap, s.StreakDays, s.DueCount, s.ExercisesCorrectToday, s.ExercisesIncorrectToday, s.SuggestedNewExercises);
    }

    private static async Task<AbResponse> AssignAb(AbRequest body, ICurrentUser current, IMediator mediator, CancellationToken ct)
    {
        await current.EnsureSameUserAsync(body.UserId, ct);
        return new AbResponse(await mediator.Send(new AssignAbCommand(current.User, body.Experiment ?? ""), ct));
    }

    private static async Task<XpResponse> Xp(ICurrentUser current, IMediator mediator, CancellationToken ct)
    {
        var x = await mediator.Send(new GetXpSummaryQuery(current.User), ct);
        var last = x.Summary.LastEvent is { } e ? new XpEvent(e.Amount, e.Reason, e.Ts) : null;
        return new XpResponse(UserIdText(x.V2Id, current), x.Summary.TotalXp, x.Summary.StreakDays, last);
    }

    private static async Task<BadgesResponse> Badges(ICurrentUser current, IMediator mediator, CancellationToken ct)
    {
        var result = await mediator.Send(new GetBadgesQuery(current.User), ct);
        return new BadgesResponse(UserIdText(result.V2Id, current), result.Badges.Select(b => new Badge(b.Kind, b.AcquiredAt)).ToList());
    }

    /// <summary>v2 responses name the user by UUID when one is known (a legacy-id token resolves through the map).</summary>
    private static string UserIdText(Guid? v2Id, ICurrentUser current) => v2Id is { } id ? id.ToString("D") : current.User.ToString();
}
