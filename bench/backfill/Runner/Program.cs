using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Teski.Domain.Common;
using Teski.Infrastructure.Migration;
using Teski.Infrastructure.Persistence;
using Teski.Testing.Migration;

// Usage: BackfillBench --legacy URL --target URL [--batch N] [--create-v2] [--verify] [--copy-ceiling ROWS]
string? Get(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
var legacy = DatabaseUrl.Parse("--legacy", Get("--legacy"));
var target = DatabaseUrl.Parse("--target", Get("--target"));
var batch = int.Parse(Get("--batch") ?? "5000", CultureInfo.InvariantCulture);

if (args.Contains("--create-v2"))
{
    // Stand-in for `db migrate` until the EF migrations land.
    await using var conn = await SchemaForTests.OpenAsync(target.ConnectionString);
    await SchemaForTests.CreateV2Async(conn);
}

var process = Process.GetCurrentProcess();
var clock = Stopwatch.StartNew();
var renderer = new ConsoleProgressRenderer();
var report = await new BackfillEngine().RunAsync(new BackfillOptions { LegacyUrl = legacy, TargetUrl = target, BatchSize = batch }, renderer, CancellationToken.None);
renderer.Complete();
var backfillSeconds = clock.Elapsed.TotalSeconds;
process.Refresh();
Console.WriteLine(report.ToTable());
var rows = report.Entities.Sum(e => e.Read);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"backfill: {backfillSeconds:0.0}s, {rows} legacy rows read, {rows / backfillSeconds:0} rows/s, peak working set {process.PeakWorkingSet64 / 1048576} MiB"));

if (args.Contains("--verify"))
{
    clock.Restart();
    var verify = await new VerifyEngine().RunAsync(new VerifyOptions { LegacyUrl = legacy, TargetUrl = target, BatchSize = batch }, CancellationToken.None);
    Console.WriteLine(verify.ToTable());
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verify: {clock.Elapsed.TotalSeconds:0.0}s"));
}

if (Get("--copy-ceiling") is { } ceilingText && target.Provider == DatabaseProvider.Postgres)
{
    // The floor under any PostgreSQL writer: binary COPY of mistake-shaped rows into an unlogged-free, index-free copy of the table.
    var n = int.Parse(ceilingText, CultureInfo.InvariantCulture);
    await using var conn = new NpgsqlConnection(target.ConnectionString);
    await conn.OpenAsync();
    await using (var cmd = new NpgsqlCommand("DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (LIKE mistake INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)", conn))
    {
        await cmd.ExecuteNonQueryAsync();
    }
    clock.Restart();
    var user = Guid.NewGuid();
    var start = DateTime.UtcNow;
    await using (var writer = await conn.BeginBinaryImportAsync("COPY bench_copy (id, user_id, task_id, concept, subtype, raw, created_at) FROM STDIN (FORMAT BINARY)"))
    {
        for (var i = 0; i < n; i++)
        {
            await writer.StartRowAsync();
            await writer.WriteAsync(StableId.For("bench", i), NpgsqlDbType.Uuid);
            await writer.WriteAsync(user, NpgsqlDbType.Uuid);
            await writer.WriteNullAsync();
            await writer.WriteAsync("tpl-" + (i % 200).ToString(CultureInfo.InvariantCulture), NpgsqlDbType.Varchar);
            await writer.WriteAsync("legacy:recall", NpgsqlDbType.Varchar);
            await writer.WriteAsync("{\"reason\": \"attempt\", \"answer\": 42}", NpgsqlDbType.Text);
            await writer.WriteAsync(start.AddSeconds(i), NpgsqlDbType.TimestampTz);
        }
        await writer.CompleteAsync();
    }
    var secs = clock.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"copy ceiling: {n} mistake rows in {secs:0.00}s = {n / secs:0} rows/s (binary COPY, same indexes, no reads, no rules)"));
    await using var drop = new NpgsqlCommand("DROP TABLE bench_copy", conn);
    await drop.ExecuteNonQueryAsync();
}
return report.ExitCode;
