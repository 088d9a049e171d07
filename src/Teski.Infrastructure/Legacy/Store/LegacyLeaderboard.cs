using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Application.Leaderboard;
using Teski.Domain.Xp;

namespace Teski.Infrastructure.Legacy.Store;

/// <summary>
/// Leaderboard points in the legacy tables (<c>pointsevent</c>, <c>weeklyscore</c>), which stay the leaderboard's own
/// after the migration. Shares the scope's <see cref="LegacyStore"/> context, so an award joins the request's legacy
/// transaction when there is one.
/// </summary>
public sealed class LegacyLeaderboard(LegacyStore store) : ILeaderboardPort
{
    public Task<PointsAwarded?> AwardAsync(long leaderboardId, long legacyUserId, string eventType, int points, string? metaJson, Instant now, CancellationToken ct)
    {
        if (leaderboardId is <= 0 or > int.MaxValue || legacyUserId is <= 0 or > int.MaxValue)
        {
            return Task.FromResult<PointsAwarded?>(null);
        }
        var boardId = (int)leaderboardId;
        var userId = (int)legacyUserId;
        now = LegacyRowMapping.Micros(now);
        return store.WriteAsync<PointsAwarded?>(async db =>
        {
            if (!await db.Leaderboards.AnyAsync(l => l.Id == boardId, ct))
            {
                return null;
            }
            var pointsEvent = new LegacyPointsEventRow
            {
                LeaderboardId = boardId,
                UserId = userId,
                EventType = eventType,
                Points = points,
                OccurredAt = now,
                Meta = LegacyJson.ToValidJson(metaJson),
            };
            db.PointsEvents.Add(pointsEvent);
            await db.SaveChangesAsync(ct);

            // Race-safe weekly total: create the week's row if absent, then add in one UPDATE (no read-modify-write).
            var week = IsoWeek.Of(now);
            await LegacyStore.InsertIfAbsentAsync(db, "weeklyscore", "leaderboard_id, user_id, week_year, week_number, points",
                [boardId, userId, week.WeekYear, week.WeekNumber, 0], ct);
            var scores = db.WeeklyScores.Where(w => w.LeaderboardId == boardId && w.UserId == userId
                && w.WeekYear == week.WeekYear && w.WeekNumber == week.WeekNumber);
            await scores.ExecuteUpdateAsync(s => s.SetProperty(w => w.Points, w => w.Points + points), ct);
            var total = await scores.AsNoTracking().Select(w => w.Points).FirstAsync(ct);
            return new PointsAwarded(pointsEvent.Id, points, week.WeekYear, week.WeekNumber, total);
        }, ct);
    }
}
