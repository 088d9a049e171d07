using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.V2;
using System.Reflection;

namespace Teski.Infrastructure.Tests.V2Store;

/// <summary>
/// The review's and the mistake's writes on PostgreSQL are plain statements outside EF (<c>V2RowWrites</c>):
/// each INSERT must name every column the EF model maps for its row, or a new column would be left to its default
/// on these paths only; the item's UPDATE must write every column of the schedule.
/// </summary>
public sealed partial class V2RowWritesColumnsTests
{
    [Theory]
    [InlineData("InsertItemSql", typeof(MemoryItemRow))]
    [InlineData("InsertMistakeSql", typeof(MistakeRow))]
    [InlineData("InsertReviewLogSql", typeof(ReviewLogRow))]
    [InlineData("InsertXpSql", typeof(XpEventRow))]
    [InlineData("InsertBadgeSql", typeof(BadgeRow))]
    [InlineData("InsertEventSql", typeof(AnalyticsEventRow))]
    public void Each_insert_names_every_mapped_column(string constant, Type rowType)
    {
        var match = InsertColumns().Match(Sql(constant));
        match.Success.Should().BeTrue();
        var table = match.Groups[1].Value;
        var columns = Split(match.Groups[2].Value);
        var values = Split(match.Groups[3].Value);

        using var db = PostgresModel();
        var entity = db.Model.FindEntityType(rowType)!;
        table.Should().Be(entity.GetTableName());
        columns.Should().BeEquivalentTo(entity.GetProperties().Select(p => p.GetColumnName()));
        values.Should().Equal(Enumerable.Range(1, columns.Count).Select(i => "$" + i));
    }

    [Fact]
    public void The_item_update_writes_every_column_but_its_identity()
    {
        using var db = PostgresModel();
        var mapped = db.Model.FindEntityType(typeof(MemoryItemRow))!.GetProperties().Select(p => p.GetColumnName())
            .Except(["id", "user_id", "concept"]);

        var set = UpdateSet().Match(Sql("UpdateItemSql")).Groups[1].Value;
        Split(set).Select(a => a.Split('=')[0].Trim().Trim('"')).Should().BeEquivalentTo(mapped);
    }

    private static V2DbContext PostgresModel() =>
        V2DbContextFactory.Create(DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", "postgresql://nobody@127.0.0.1:1/none"));

    private static string Sql(string constant) =>
        (string)typeof(V2DbContext).Assembly.GetType("Teski.Infrastructure.V2.Store.V2RowWrites")!
            .GetField(constant, BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;

    private static List<string> Split(string list) => list.Split(',').Select(c => c.Trim().Trim('"')).ToList();

    [GeneratedRegex(@"^INSERT INTO (\w+) \((.+?)\) VALUES \((.+?)\)$")]
    private static partial Regex InsertColumns();

    [GeneratedRegex(@"^UPDATE memoryitem SET (.+?) WHERE ")]
    private static partial Regex UpdateSet();
}
