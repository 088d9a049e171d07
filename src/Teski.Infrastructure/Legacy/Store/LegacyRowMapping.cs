using NodaTime;
using Teski.Domain.Memory;

namespace Teski.Infrastructure.Legacy.Store;

/// <summary>Between the legacy rows and the domain's legacy types (the rules live in the domain, the columns here).</summary>
internal static class LegacyRowMapping
{
    public static LegacyReviewCard ToDomain(this LegacyReviewCardRow row) => LegacyReviewCard.Rehydrate(
        row.Id, row.UserId, row.SkillId, row.TemplateCode, row.Easiness, row.Stability, row.LastIntervalDays,
        row.NextReviewAt,
        // An unknown stored status (a hand-edited row) behaves as scheduled, which is what the legacy queries did with it.
        LegacyCardStatusWire.TryParse(row.Status, out var status) ? status : LegacyCardStatus.Scheduled,
        row.LastResult, row.UpdatedAt);

    public static void CopyTo(this LegacyReviewCard card, LegacyReviewCardRow row)
    {
        row.Easiness = card.Easiness;
        row.Stability = card.Stability;
        row.LastIntervalDays = card.LastIntervalDays;
        row.NextReviewAt = card.NextReviewAt;
        row.Status = card.Status.ToWire();
        row.LastResult = card.LastResult;
        row.UpdatedAt = card.UpdatedAt;
    }

    public static LegacyReviewCardRow ToRow(this LegacyReviewCard card)
    {
        var row = new LegacyReviewCardRow
        {
            UserId = checked((int)card.UserId),
            SkillId = card.SkillId is { } s ? checked((int)s) : null,
            TemplateCode = card.TemplateCode,
        };
        card.CopyTo(row);
        return row;
    }

    public static LegacyMemoryStats ToDomain(this LegacyMemoryStatsRow row) => LegacyMemoryStats.Rehydrate(
        row.Id, row.UserId, row.SkillId, row.MistakeCount, row.LastMissedAt, row.LastMasteredAt, row.Stability);

    public static void CopyTo(this LegacyMemoryStats stats, LegacyMemoryStatsRow row)
    {
        row.UserId = checked((int)stats.UserId);
        row.SkillId = stats.SkillId is { } s ? checked((int)s) : null;
        row.MistakeCount = stats.MistakeCount;
        row.LastMissedAt = stats.LastMissedAt;
        row.LastMasteredAt = stats.LastMasteredAt;
        row.Stability = stats.Stability;
    }

    public static LegacyMistakeLog ToDomain(this LegacyMistakeLogRow row) => LegacyMistakeLog.Rehydrate(
        row.Id, row.UserId, row.SkillId, row.TemplateCode, row.InstanceId, row.ErrorType, row.ErrorSubtype, row.Detail,
        row.Weight, row.OccurredAt, row.ResolvedAt);

    /// <summary>Whether a card is in the queue (legacy "scheduled/due"): waiting to be served.</summary>
    public static bool IsQueued(this LegacyReviewCardRow row) =>
        row.Status is LegacyReviewCardStatuses.Scheduled or LegacyReviewCardStatuses.Due;

    /// <summary>The v2 concept a card stands for (migration-rules.md, "Mistake").</summary>
    public static string Concept(string? templateCode, int? skillId) =>
        !string.IsNullOrEmpty(templateCode) ? templateCode
        : skillId is { } s ? "skill:" + s.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : "unknown";

    /// <summary>The legacy columns hold microseconds: computing with the truncated instant makes returned values equal stored ones.</summary>
    public static Instant Micros(Instant now) => LegacyTime.TruncateToMicroseconds(now);
}
