using Microsoft.EntityFrameworkCore;
using NodaTime;
using Teski.Infrastructure.V2;

namespace Teski.Infrastructure.Tests.V2;

/// <summary>One row of every v2 table, for round-trip tests on both providers.</summary>
internal sealed class V2RowSamples
{
    private readonly List<object> _rows = [];

    public static V2RowSamples Create(Instant t)
    {
        // Microsecond precision: both stores keep microseconds (SQLite text .ffffff, PostgreSQL timestamptz).
        var s = new V2RowSamples();
        var user = new V2UserRow { Id = Guid.NewGuid(), CreatedAt = t, Timezone = "Europe/Helsinki", DisplayName = "Eero", Email = "eero@example.org", StreakDays = 2, LastStreakAt = t, Persona = "coach", IsPro = true, ProUntil = t + Duration.FromDays(30), InstitutionId = "inst-1", AnalyticsConsent = false, IsInstitutionAdmin = true };
        var task = new V2TaskRow { Id = Guid.NewGuid(), UserId = user.Id, Title = "Essay", Course = "HIST", DueAt = t + Duration.FromDays(3), CreatedAt = t };
        var item = new MemoryItemRow { Id = Guid.NewGuid(), UserId = user.Id, TaskId = task.Id, Concept = "causes of WW1", Ease = 2.6, Interval = 4, DueAt = t + Duration.FromDays(4), Stability = 4, Difficulty = 0.27, Lapses = 2 };
        var itemNoTask = new MemoryItemRow { Id = Guid.NewGuid(), UserId = user.Id, TaskId = null, Concept = "dates", DueAt = t };
        s._rows.AddRange(
        [
            user, task, item, itemNoTask,
            new MistakeRow { Id = Guid.NewGuid(), UserId = user.Id, TaskId = task.Id, Concept = "dates", Subtype = "near_miss", Raw = "1913 vs 1914", CreatedAt = t },
            new ReviewLogRow { Id = Guid.NewGuid(), UserId = user.Id, MemoryId = item.Id, Grade = 5, ScheduledFor = t, ReviewedAt = t + Duration.FromSeconds(-30), NextDueAt = t + Duration.FromDays(4), DeltaSeconds = -30 },
            new PersonaStateRow { Id = Guid.NewGuid(), UserId = user.Id, Persona = "coach", WarmupTs = t },
            new BadgeRow { Id = Guid.NewGuid(), UserId = user.Id, Kind = "Nemesis::dates", AcquiredAt = t },
            new AbTestAssignmentRow { Id = Guid.NewGuid(), UserId = user.Id, Experiment = "persona_copy", Bucket = "variant_a", AssignedAt = t },
            new AnalyticsEventRow { Id = Guid.NewGuid(), UserId = null, Kind = "memory.review_fetch", Payload = """{"count": 3}""", Ts = t },
            new XpEventRow { Id = Guid.NewGuid(), UserId = user.Id, Amount = 60, Reason = "review", Ts = t },
            new LegacyUserMapRow { LegacyUserId = 42, UserId = user.Id },
            new LegacyTaskMapRow { LegacyTaskId = "17", TaskId = task.Id },
            new LegacyTaskDetailRow { TaskId = task.Id, Detail = """{"status": "open", "priority": 2}""" },
            new LegacyRowLinkRow { Entity = "mistake_logs", LegacyId = "9", V2Id = Guid.NewGuid() },
            new MigrationCheckpointRow { Entity = "users", LastLegacyId = "42", RowsDone = 5_000_000_000, Completed = true, UpdatedAt = t },
            new MirrorBacklogRow { Id = Guid.NewGuid(), Stream = user.Id.ToString(), Kind = "xp", Payload = """{"amount": 60}""", CreatedAt = t, Attempts = 1, NextAttemptAt = t, LastError = "timeout", AppliedAt = null },
            new MirrorBacklogRow { Id = Guid.NewGuid(), Stream = user.Id.ToString(), Kind = "review", Payload = "{}", CreatedAt = t, NextAttemptAt = t, AppliedAt = t },
            new MirrorAppliedRow { RecordId = Guid.NewGuid(), AppliedAt = t },
        ]);
        return s;
    }

    public void AddTo(V2DbContext db)
    {
        foreach (var row in _rows)
        {
            db.Add(row);
        }
    }

    public async Task AssertRoundTripAsync(V2DbContext db)
    {
        await Check(db.Users);
        await Check(db.Tasks);
        await Check(db.MemoryItems);
        await Check(db.Mistakes);
        await Check(db.ReviewLogs);
        await Check(db.PersonaStates);
        await Check(db.Badges);
        await Check(db.AbTestAssignments);
        await Check(db.LegacyUserMaps);
        await Check(db.LegacyTaskMaps);
        await Check(db.LegacyRowLinks);
        await Check(db.MigrationCheckpoints);
        await Check(db.MirrorApplied);
        await Check(db.XpEvents);

        // JSON may be normalised by the store (jsonb re-spaces keys), so compare it parsed.
        var events = await db.AnalyticsEvents.AsNoTracking().ToListAsync();
        var expected = _rows.OfType<AnalyticsEventRow>().ToList();
        events.Should().BeEquivalentTo(expected, o => o.Excluding(e => e.Payload));
        JsonEqual(events[0].Payload, expected[0].Payload);
        var detail = await db.LegacyTaskDetails.AsNoTracking().SingleAsync();
        JsonEqual(detail.Detail, _rows.OfType<LegacyTaskDetailRow>().Single().Detail);

        var backlog = await db.MirrorBacklog.AsNoTracking().OrderBy(b => b.Seq).ToListAsync();
        backlog.Should().BeEquivalentTo(_rows.OfType<MirrorBacklogRow>(), o => o.Excluding(b => b.Seq).Excluding(b => b.Payload));
        backlog.Select(b => b.Seq).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems().And.NotContain(0);
    }

    private async Task Check<T>(DbSet<T> set)
        where T : class
    {
        var stored = await set.AsNoTracking().ToListAsync();
        stored.Should().BeEquivalentTo(_rows.OfType<T>(), typeof(T).Name);
    }

    private static void JsonEqual(string actual, string expected) =>
        System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(actual), System.Text.Json.Nodes.JsonNode.Parse(expected))
            .Should().BeTrue($"{actual} should be the same JSON as {expected}");
}
