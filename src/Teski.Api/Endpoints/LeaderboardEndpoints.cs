using System.Text.Json;
using Mediator;
using Teski.Api.Auth;
using Teski.Application.Leaderboard.AwardPoints;

namespace Teski.Api.Endpoints;

/// <summary><c>POST /leaderboards/{id}/award</c>: points to the week's score, mirrored as an XP event.</summary>
public sealed class LeaderboardEndpoints : IEndpointModule
{
    public void Map(IEndpointRouteBuilder app) =>
        app.MapLegacyRootGroup("/leaderboards").MapPost("/{id:long}/award", Award)
            .Produces<AwardResponse>().ProducesProblem(StatusCodes.Status404NotFound);

    public sealed record AwardRequest(string? UserId, string? EventType, int? Points, JsonElement? Meta);

    public sealed record AwardResponse(long Id, long LeaderboardId, string EventType, int Points, int WeekYear, int WeekNumber, int WeeklyPoints);

    private static async Task<AwardResponse> Award(long id, AwardRequest body, ICurrentUser current, IMediator mediator, CancellationToken ct)
    {
        await current.EnsureSameUserAsync(body.UserId, ct);
        var meta = body.Meta is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } m ? m.GetRawText() : null;
        var eventType = body.EventType ?? "";
        var a = await mediator.Send(new AwardPointsCommand(id, current.User, eventType, body.Points, meta), ct);
        return new AwardResponse(a.PointsEventId, id, eventType, a.Points, a.WeekYear, a.WeekNumber, a.WeeklyTotal);
    }
}
