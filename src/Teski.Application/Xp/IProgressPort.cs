using NodaTime;
using Teski.Application.Common.Stores;

namespace Teski.Application.Xp;

public sealed record XpSummary(int TotalXp, int StreakDays, XpEventView? LastEvent);

public sealed record XpEventView(int Amount, string Reason, Instant Ts);

public sealed record BadgeView(string Kind, Instant AcquiredAt);

/// <summary>XP, badges, A/B assignments and analytics — the progress a user makes, per store.</summary>
public interface IProgressPort
{
    Task<XpSummary> XpSummaryAsync(UserIdentity user, CancellationToken ct);

    Task<IReadOnlyList<BadgeView>> BadgesAsync(UserIdentity user, CancellationToken ct);

    /// <summary>The stored bucket, or null when the user has none yet for the experiment.</summary>
    Task<string?> FindAssignmentAsync(UserIdentity user, string experiment, CancellationToken ct);

    /// <summary>Stores the first assignment; returns the bucket that is stored afterwards (an earlier one wins).</summary>
    Task<string> AssignAsync(UserIdentity user, string experiment, string bucket, Instant now, CancellationToken ct);

    /// <summary>Adds an XP event (leaderboard points mirrored as XP, …); id makes it idempotent.</summary>
    Task AwardXpAsync(UserIdentity user, Guid id, int amount, string reason, Instant now, CancellationToken ct);

    /// <summary>Records an analytics event unless the user has not consented.</summary>
    Task RecordEventAsync(UserIdentity? user, string kind, string payloadJson, Instant now, CancellationToken ct);
}
