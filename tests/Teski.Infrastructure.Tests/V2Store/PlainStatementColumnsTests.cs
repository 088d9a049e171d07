using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.V2;

namespace Teski.Infrastructure.Tests.V2Store;

/// <summary>
/// The hot paths' plain statements outside EF name their columns themselves, so each list must match the columns the
/// EF model maps for its row: the batched row locks (ADR 0009) read the user and memory item column by column, or an
/// attached row would carry a default where the database has a value; the review's and the mistake's writes on
/// PostgreSQL (<c>V2RowWrites</c>) insert whole rows, or a new column would be left to its default on these paths
/// only, and write back the item's whole schedule.
/// </summary>
public sealed partial class PlainStatementColumnsTests
{
    [Theory]
    [InlineData("LockUserSql", typeof(V2UserRow))]
    [InlineData("LockItemSql", typeof(MemoryItemRow))]
    [InlineData("LockItemByConceptSql", typeof(MemoryItemRow))]
    public void The_lock_batch_selects_every_mapped_column(string constant, Type rowType)
    {
        using var db = PostgresModel();
        var mapped = db.Model.FindEntityType(rowType)!.GetProperties().Select(p => p.GetColumnName()).ToList();

        var selected = Split(SelectList().Match(Sql("V2RowMapping", constant)).Groups[1].Value);

        selected.Should().BeEquivalentTo(mapped);
    }

    [Theory]
    [InlineData("InsertItemSql", typeof(MemoryItemRow))]
    [InlineData("InsertMistakeSql", typeof(MistakeRow))]
    [InlineData("InsertReviewLogSql", typeof(ReviewLogRow))]
    [InlineData("InsertXpSql", typeof(XpEventRow))]
    [InlineData("InsertBadgeSql", typeof(BadgeRow))]
    [InlineData("InsertEventSql", typeof(AnalyticsEventRow))]
    public void Each_insert_names_every_mapped_column(string constant, Type rowType)
    {
        var match = InsertColumns().Match(Sql("V2RowWrites", constant));
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

        var set = UpdateSet().Match(Sql("V2RowWrites", "UpdateItemSql")).Groups[1].Value;
        Split(set).Select(a => a.Split('=')[0].Trim().Trim('"')).Should().BeEquivalentTo(mapped);
    }

    private static V2DbContext PostgresModel() =>
        V2DbContextFactory.Create(DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", "postgresql://nobody@127.0.0.1:1/none"));

    /// <summary>An internal constant of a type in Teski.Infrastructure.V2.Store.</summary>
    private static string Sql(string type, string constant) =>
        (string)typeof(V2DbContext).Assembly.GetType("Teski.Infrastructure.V2.Store." + type)!
            .GetField(constant, BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;

    private static List<string> Split(string list) => list.Split(',').Select(c => c.Trim().Trim('"')).ToList();

    [GeneratedRegex(@"^SELECT (.+?) FROM ")]
    private static partial Regex SelectList();

    [GeneratedRegex(@"^INSERT INTO (\w+) \((.+?)\) VALUES \((.+?)\)$")]
    private static partial Regex InsertColumns();

    [GeneratedRegex(@"^UPDATE memoryitem SET (.+?) WHERE ")]
    private static partial Regex UpdateSet();
}
