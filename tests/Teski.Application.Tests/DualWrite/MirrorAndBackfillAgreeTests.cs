using Teski.Application.Common.Identity;
using Teski.Application.Common.Settings;
using Teski.Application.Memory.LogLegacyMistake;
using Teski.Application.Memory.LogMistake;
using Teski.Infrastructure.Migration;
using Teski.Infrastructure.Persistence;
using Teski.Testing;

namespace Teski.Application.Tests.DualWrite;

/// <summary>Rows the mirror wrote are recognised by the backfill (and verify passes): the two follow one set of identities.</summary>
public class MirrorAndBackfillAgreeTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Backfill_after_dual_write_adds_no_second_copy_in_either_direction(DatabaseProvider provider)
    {
        await using var h = await StoreHarness.CreateAsync(provider, RolloutStage.DualWriteLegacyPrimary);
        await h.ScalarAsync(StoreKind.Legacy,
            "INSERT INTO \"user\" (id, email, hashed_password, role, created_at, onboarded) VALUES (9, 'nine@example.com', '', 'STUDENT', '2025-01-01 00:00:00.000000', false)");
        // Legacy primary: a legacy log mirrored to v2.
        await h.SendAsync(new LogLegacyMistakeCommand(UserRef.Legacy(9), null, "frac-1", null, "concept", null, """{"reason":"x"}""", V1: true));
        // Then v2 primary: a v2 log (plain-text raw) mirrored to legacy.
        var v2Stage = h.WithStage(RolloutStage.DualWriteV2Primary);
        try
        {
            h.Clock.AdvanceMinutes(5);
            await v2Stage.SendAsync(new LogMistakeCommand(UserRef.Legacy(9), "chain-rule", null, "forgot inner derivative", null, null));
        }
        finally
        {
            await v2Stage.Services.DisposeAsync();
        }
        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(2);
        (await h.CountAsync(StoreKind.Legacy, "mistake_logs")).Should().Be(2);

        var report = await new BackfillEngine().RunAsync(new BackfillOptions { LegacyUrl = h.LegacyUrl, TargetUrl = h.V2Url, Clock = h.Clock }, null, CancellationToken.None);

        report.HasFailures.Should().BeFalse();
        (await h.CountAsync(StoreKind.V2, "mistake")).Should().Be(2, "both mirrored rows were recognised, not copied again");
        var verify = await new VerifyEngine().RunAsync(new VerifyOptions { LegacyUrl = h.LegacyUrl, TargetUrl = h.V2Url, Clock = h.Clock }, CancellationToken.None);
        verify.Passed.Should().BeTrue(verify.ToTable());
    }
}
