using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Teski.Infrastructure.Legacy;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Tests.LegacyStore;

/// <summary>
/// The mirror's batch of mistakes on PostgreSQL (<c>LegacyMistakeBatchWrites</c>) reads and writes the legacy rows with
/// plain statements that name their columns themselves. Each list must match the columns the EF model maps: a row read
/// without a column would be written back with its default, a row inserted without one would leave it to the table's
/// default on this path only, and an update must write back every column the domain may change.
/// </summary>
public sealed partial class LegacyPlainStatementColumnsTests
{
    [Theory]
    [InlineData("StatsSql", typeof(LegacyMemoryStatsRow))]
    [InlineData("CardsSql", typeof(LegacyReviewCardRow))]
    public void Each_read_selects_every_mapped_column(string constant, Type rowType)
    {
        var selected = Split(SelectList().Match(Sql(constant)).Groups[1].Value).Select(c => c.Split('.')[^1]);

        selected.Should().Equal(Mapped(rowType, hasErrorSubtype: true), "the reader reads them by position, in the model's order");
    }

    [Theory]
    [InlineData("InsertLogsSql", typeof(LegacyMistakeLogRow), true, new string[0])]
    [InlineData("InsertLogsWithoutSubtypeSql", typeof(LegacyMistakeLogRow), false, new string[0])]
    [InlineData("InsertStatsSql", typeof(LegacyMemoryStatsRow), true, new[] { "id" })]
    [InlineData("InsertCardsSql", typeof(LegacyReviewCardRow), true, new[] { "id" })]
    public void Each_insert_names_every_mapped_column_and_unnests_one_array_per_column(string constant, Type rowType, bool hasErrorSubtype, string[] generated)
    {
        var match = InsertColumns().Match(Sql(constant));
        match.Success.Should().BeTrue();

        Split(match.Groups[2].Value).Should().BeEquivalentTo(Mapped(rowType, hasErrorSubtype).Except(generated));
        Split(match.Groups[3].Value).Should().HaveCount(Split(match.Groups[2].Value).Count);
        match.Groups[1].Value.Should().Be(Table(rowType));
    }

    [Theory]
    [InlineData("UpdateStatsSql", typeof(LegacyMemoryStatsRow))]
    [InlineData("UpdateCardsSql", typeof(LegacyReviewCardRow))]
    public void Each_update_writes_every_column_but_the_row_identity(string constant, Type rowType)
    {
        var set = UpdateSet().Match(Sql(constant)).Groups[1].Value;

        Split(set).Select(a => a.Split('=')[0].Trim()).Should()
            .BeEquivalentTo(Mapped(rowType, hasErrorSubtype: true).Except(["id", "user_id", "skill_id", "template_code"]));
    }

    private static List<string> Mapped(Type rowType, bool hasErrorSubtype)
    {
        using var db = LegacyDbContextFactory.Create(DatabaseUrl.Parse("TESKI_LEGACY_DB_URL", "postgresql://nobody@127.0.0.1:1/none"), hasErrorSubtype);
        var entity = db.Model.FindEntityType(rowType)!;
        // The order the reader reads them in: declaration order of the row's properties.
        return rowType.GetProperties().Select(p => entity.FindProperty(p.Name)).OfType<Microsoft.EntityFrameworkCore.Metadata.IProperty>()
            .Select(p => p.GetColumnName()).ToList();
    }

    private static string Table(Type rowType)
    {
        using var db = LegacyDbContextFactory.Create(DatabaseUrl.Parse("TESKI_LEGACY_DB_URL", "postgresql://nobody@127.0.0.1:1/none"), true);
        return db.Model.FindEntityType(rowType)!.GetTableName()!;
    }

    private static string Sql(string constant) =>
        (string)typeof(LegacyDbContext).Assembly.GetType("Teski.Infrastructure.Legacy.Store.LegacyMistakeBatchWrites")!
            .GetField(constant, BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;

    private static List<string> Split(string list) => list.Split(',').Select(c => c.Trim()).ToList();

    [GeneratedRegex(@"^SELECT (.+?) FROM ")]
    private static partial Regex SelectList();

    [GeneratedRegex(@"^INSERT INTO (\w+) \((.+?)\) SELECT \* FROM unnest\((.+?)\)$")]
    private static partial Regex InsertColumns();

    [GeneratedRegex(@"^UPDATE \w+ AS \w+ SET (.+?) FROM unnest")]
    private static partial Regex UpdateSet();
}
