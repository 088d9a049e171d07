using Teski.Application.Common.Mirroring;

namespace Teski.Application.Tests.DualWrite;

/// <summary>When the periodic pass has the backlog table re-analyzed: a large backlog, grown since, not too often.</summary>
public class BacklogStatisticsPolicyTests
{
    private static readonly TimeSpan T0 = TimeSpan.FromMinutes(10);

    [Fact]
    public void A_backlog_under_the_floor_never_refreshes()
    {
        var policy = new BacklogStatisticsPolicy();
        policy.ShouldRefresh(0, T0).Should().BeFalse();
        policy.ShouldRefresh(BacklogStatisticsPolicy.Floor - 1, T0 + TimeSpan.FromHours(1)).Should().BeFalse();
    }

    [Fact]
    public void A_backlog_past_the_floor_refreshes_once_then_again_only_when_it_has_grown_fourfold_and_a_minute_has_passed()
    {
        var policy = new BacklogStatisticsPolicy();
        policy.ShouldRefresh(BacklogStatisticsPolicy.Floor, T0).Should().BeTrue("the first time the backlog is this large");
        policy.ShouldRefresh(BacklogStatisticsPolicy.Floor * 3, T0 + TimeSpan.FromMinutes(5)).Should().BeFalse("grown, but less than fourfold");
        policy.ShouldRefresh(BacklogStatisticsPolicy.Floor * 4, T0 + TimeSpan.FromSeconds(30)).Should().BeFalse("fourfold, but within a minute");
        policy.ShouldRefresh(BacklogStatisticsPolicy.Floor * 4, T0 + BacklogStatisticsPolicy.MinInterval).Should().BeTrue();
        policy.ShouldRefresh(BacklogStatisticsPolicy.Floor * 4, T0 + TimeSpan.FromHours(1)).Should().BeFalse("the statistics have seen this size");
    }

    [Fact]
    public void A_backlog_that_drained_under_the_floor_refreshes_again_when_the_next_one_grows_past_it()
    {
        var policy = new BacklogStatisticsPolicy();
        policy.ShouldRefresh(BacklogStatisticsPolicy.Floor * 2, T0).Should().BeTrue();
        policy.ShouldRefresh(40, T0 + TimeSpan.FromMinutes(2)).Should().BeFalse();
        policy.ShouldRefresh(BacklogStatisticsPolicy.Floor, T0 + TimeSpan.FromMinutes(2.5)).Should().BeTrue("a new outage's backlog, smaller than the last one's");
    }
}
