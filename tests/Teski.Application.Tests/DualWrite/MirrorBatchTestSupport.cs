using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Testing;

namespace Teski.Application.Tests.DualWrite;

/// <summary>What the mirror batch tests share: facts queued as stream heads, the one-at-a-time reference, rows as text.</summary>
internal static class MirrorBatchTestSupport
{
    /// <summary>Queues each fact in the primary's backlog under its stream, in one transaction, so a drain claims them as one batch.</summary>
    public static async Task EnqueueAsync(StoreHarness h, IEnumerable<(MirrorFact Fact, string Stream)> facts, Instant at)
    {
        await using var scope = h.Services.CreateAsyncScope();
        var primary = scope.ServiceProvider.GetRequiredService<IStoreRouter>().Primary;
        await using var tx = await primary.BeginAsync(CancellationToken.None);
        foreach (var (fact, stream) in facts)
        {
            await primary.Backlog.AddAsync(Guid.NewGuid(), stream, fact.Kind, fact.Serialize(), at, CancellationToken.None);
        }
        await tx.CommitAsync(CancellationToken.None);
    }

    /// <summary>The reference: each fact applied alone to the legacy store, the way <see cref="MirrorFact.ApplyAsync"/> does it.</summary>
    public static async Task ApplyOneAtATimeAsync(StoreHarness h, IEnumerable<MirrorFact> facts)
    {
        foreach (var fact in facts)
        {
            await using var scope = h.Services.CreateAsyncScope();
            var legacy = scope.ServiceProvider.GetRequiredService<IStoreRouter>().Get(StoreKind.Legacy);
            await using var tx = await legacy.BeginAsync(CancellationToken.None);
            await fact.ApplyAsync(legacy, scope.ServiceProvider.GetRequiredService<V2RuleSettingsAccessor>(), CancellationToken.None);
            await tx.CommitAsync(CancellationToken.None);
        }
    }

    /// <summary>The rows of each query on the legacy store, as comparable text, each prefixed with its label.</summary>
    public static async Task<List<string>> LegacyRowsAsync(StoreHarness h, params (string Label, string Sql)[] queries)
    {
        var rows = new List<string>();
        await using var conn = StoreHarness.Open(h.Url(StoreKind.Legacy));
        await conn.OpenAsync();
        foreach (var (label, sql) in queries)
        {
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                rows.Add((label.Length > 0 ? label + " " : "") + string.Join(" | ", values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
            }
        }
        return rows;
    }
}
