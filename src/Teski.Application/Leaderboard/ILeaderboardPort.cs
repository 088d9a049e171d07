using NodaTime;

namespace Teski.Application.Leaderboard;

public sealed record PointsAwarded(long PointsEventId, int Points, int WeekYear, int WeekNumber, int WeeklyTotal);

/// <summary>
/// The leaderboard module keeps its own legacy tables (<c>pointsevent</c>, <c>weeklyscore</c>) after the migration
/// (migration-plan.md: "Leaderboard remains separate"), so only the legacy store implements this port.
/// </summary>
public interface ILeaderboardPort
{
    /// <summary>Null when the leaderboard does not exist.</summary>
    Task<PointsAwarded?> AwardAsync(long leaderboardId, long legacyUserId, string eventType, int points, string? metaJson, Instant now, CancellationToken ct);
}
