using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.V2;

namespace Teski.Infrastructure.Tests.V2Store;

/// <summary>
/// The review's batched row locks (ADR 0009) read the user and memory item rows column by column, outside EF: their
/// SELECT lists must name every column the EF model maps for those rows, or an attached row would carry a default
/// where the database has a value.
/// </summary>
public sealed partial class LockBatchColumnsTests
{
    [Theory]
    [InlineData("LockUserSql", typeof(V2UserRow))]
    [InlineData("LockItemSql", typeof(MemoryItemRow))]
    [InlineData("LockItemByConceptSql", typeof(MemoryItemRow))]
    public void The_lock_batch_selects_every_mapped_column(string constant, Type rowType)
    {
        using var db = V2DbContextFactory.Create(DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", "postgresql://nobody@127.0.0.1:1/none"));
        var mapped = db.Model.FindEntityType(rowType)!.GetProperties().Select(p => p.GetColumnName()).ToList();

        var sql = (string)typeof(V2DbContext).Assembly.GetType("Teski.Infrastructure.V2.Store.V2RowMapping")!
            .GetField(constant, BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;
        var selected = SelectList().Match(sql).Groups[1].Value.Split(',').Select(c => c.Trim().Trim('"')).ToList();

        selected.Should().BeEquivalentTo(mapped);
    }

    [GeneratedRegex(@"^SELECT (.+?) FROM ")]
    private static partial Regex SelectList();
}
