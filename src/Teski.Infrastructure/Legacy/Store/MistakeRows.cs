using NodaTime;
using Teski.Application.Memory;
using Teski.Domain.Memory;

namespace Teski.Infrastructure.Legacy.Store;

/// <summary>
/// The legacy rows one mistake writes: its <c>mistake_logs</c> row, its skill's <c>memory_stats</c> row and, when it
/// schedules one, its template's card, each either new or the row found, changed. Computed without a context, so the
/// same rules serve EF's path (SQLite, the one-at-a-time write) and the mirror's plain statements on PostgreSQL.
/// </summary>
internal sealed record MistakeRows(LegacyMistakeLogRow Log, LegacyMemoryStatsRow Stats, bool NewStats, LegacyReviewCardRow? Card, bool NewCard)
{
    /// <summary>
    /// The rows of one mistake of <paramref name="userId"/> at <paramref name="now"/>, given the stats rows and cards
    /// as found (keyed by user and skill, by user and template code). A new stats row or card goes into its dictionary,
    /// so a later mistake of the same person sees it, as it would one write after the other.
    /// </summary>
    public static MistakeRows Record(int userId, MistakeEntry entry, Instant now, bool hasErrorSubtype,
        Dictionary<(int, int?), LegacyMemoryStatsRow> stats, Dictionary<(int, string), LegacyReviewCardRow> cards)
    {
        var log = LegacyMistakeLog.Log(userId, entry.SkillId, entry.TemplateCode, entry.InstanceId, entry.ErrorType,
            entry.ErrorSubtype, entry.DetailJson, now);
        var row = new LegacyMistakeLogRow
        {
            UserId = userId,
            SkillId = LegacyMemoryPort.Int(log.SkillId),
            TemplateCode = log.TemplateCode,
            InstanceId = LegacyMemoryPort.Int(log.InstanceId),
            ErrorType = log.ErrorType,
            // Older databases lack the column; the model does not map it there, so the value is dropped.
            ErrorSubtype = hasErrorSubtype ? log.ErrorSubtype : null,
            // A v2 mistake's raw text need not be JSON, and the PostgreSQL column is `json`: keep it as {"raw": …}.
            Detail = LegacyJson.ToValidJson(log.DetailJson),
            Weight = log.Weight,
            OccurredAt = log.OccurredAt,
        };

        var statsKey = (userId, row.SkillId);
        var newStats = !stats.TryGetValue(statsKey, out var statsRow);
        if (statsRow is null)
        {
            statsRow = new LegacyMemoryStatsRow();
            LegacyMemoryStats.FirstMistake(userId, log.SkillId, now).CopyTo(statsRow);
            stats[statsKey] = statsRow;
        }
        else
        {
            var domain = statsRow.ToDomain();
            domain.RecordMistake(now);
            domain.CopyTo(statsRow);
        }

        if (!LegacyMemoryPort.SchedulesCard(entry))
        {
            return new MistakeRows(row, statsRow, newStats, null, false);
        }
        var cardKey = (userId, entry.TemplateCode!);
        var newCard = !cards.TryGetValue(cardKey, out var cardRow);
        if (cardRow is null)
        {
            cardRow = LegacyReviewCard.New(userId, log.SkillId, entry.TemplateCode!, now).ToRow();
            cards[cardKey] = cardRow;
        }
        else
        {
            var card = cardRow.ToDomain();
            card.ScheduleAfterMistake(now);
            card.CopyTo(cardRow);
        }
        return new MistakeRows(row, statsRow, newStats, cardRow, newCard);
    }
}
