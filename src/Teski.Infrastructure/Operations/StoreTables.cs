using System.Data.Common;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Operations;

/// <summary>Row counts of every table of a store: what a backup manifest records and its restore is checked against.</summary>
internal static class StoreTables
{
    public static async Task<SortedDictionary<string, long>> CountAsync(DbConnection conn, DatabaseProvider provider, DbTransaction? tx, CancellationToken ct)
    {
        var names = new List<string>();
        await using (var list = conn.CreateCommand())
        {
            list.Transaction = tx;
            list.CommandText = provider == DatabaseProvider.Sqlite
                ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'";
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                names.Add(reader.GetString(0));
            }
        }
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            await using var count = conn.CreateCommand();
            count.Transaction = tx;
            count.CommandText = $"SELECT COUNT(*) FROM {Quote(name)}";
            counts[name] = Convert.ToInt64(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        return counts;
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
