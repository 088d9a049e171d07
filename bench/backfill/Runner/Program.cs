using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Teski.Infrastructure.Migration;
using Teski.Infrastructure.Persistence;
using Teski.Testing.Migration;

// Usage: BackfillBench --legacy URL --target URL [--batch N] [--create-v2] [--verify] [--copy-ceiling-db URL] [--writer copy|unnest] [--no-pipeline]
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
var report = await new BackfillEngine().RunAsync(new BackfillOptions { LegacyUrl = legacy, TargetUrl = target, BatchSize = batch, PostgresBinaryCopy = Get("--writer") != "unnest", Pipeline = !args.Contains("--no-pipeline") }, renderer, CancellationToken.None);
renderer.Complete();
var backfillSeconds = clock.Elapsed.TotalSeconds;
process.Refresh();
Console.WriteLine(report.ToTable());
var rows = report.Entities.Sum(e => e.Read);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"backfill: {backfillSeconds:0.0}s, {rows} legacy rows read, {rows / backfillSeconds:0} rows/s, peak working set {process.PeakWorkingSet64 / 1048576} MiB"));

if (Get("--copy-ceiling-db") is { } ceilingUrl && target.Provider == DatabaseProvider.Postgres)
{
    // The ceiling: the rows the backfill wrote, exported (untimed) with binary COPY TO, then loaded with a raw binary
    // COPY FROM into the same tables of a fresh `db migrate`d database (same columns, indexes, constraints, FKs) —
    // no reads, no rules, no conflict checks: what PostgreSQL can ingest at best on this machine, right now.
    var ceiling = DatabaseUrl.Parse("--copy-ceiling-db", ceilingUrl);
    await using (var c = await SchemaForTests.OpenAsync(ceiling.ConnectionString))
    {
        await SchemaForTests.CreateV2Async(c);
    }
    (string Entity, string Table)[] tables =
    [
        ("users", "user"), ("users", "legacy_user_map"), ("tasks", "task"), ("tasks", "legacy_task_detail"), ("tasks", "legacy_task_map"),
        ("mistakes", "mistake"), ("mistakes", "legacy_row_link"), ("memory", "memoryitem"), ("reviews", "reviewlog"), ("xp", "xpevent"),
        ("analytics", "analyticsevent"), ("personas", "personastate"),
    ];
    var dir = Directory.CreateTempSubdirectory("teski-copy-");
    await using var src = new NpgsqlConnection(target.ConnectionString);
    await src.OpenAsync();
    await using var dst = new NpgsqlConnection(ceiling.ConnectionString);
    await dst.OpenAsync();
    var perEntity = new Dictionary<string, (long Rows, double Secs)>();
    long copyRows = 0;
    double copySecs = 0;
    foreach (var (entity, table) in tables)
    {
        var file = Path.Combine(dir.FullName, table + ".bin");
        await using (var output = File.Create(file))
        await using (var raw = await src.BeginRawBinaryCopyAsync($"COPY \"{table}\" TO STDOUT (FORMAT BINARY)"))
        {
            await raw.CopyToAsync(output);
        }
        await using var countCmd = new NpgsqlCommand($"SELECT count(*) FROM \"{table}\"", src);
        var n = Convert.ToInt64(await countCmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        clock.Restart();
        await using (var input = File.OpenRead(file))
        await using (var raw = await dst.BeginRawBinaryCopyAsync($"COPY \"{table}\" FROM STDIN (FORMAT BINARY)"))
        {
            await input.CopyToAsync(raw);
        }
        var secs = clock.Elapsed.TotalSeconds;
        File.Delete(file);
        var cur = perEntity.GetValueOrDefault(entity);
        perEntity[entity] = (cur.Rows + n, cur.Secs + secs);
        copyRows += n;
        copySecs += secs;
    }
    dir.Delete(true);
    Console.WriteLine("copy ceiling (raw binary COPY of the same v2 rows into the same tables of a fresh database):");
    var written = 0L;
    foreach (var e in report.Entities)
    {
        if (perEntity.TryGetValue(e.Entity, out var pe))
        {
            written += pe.Rows;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {e.Entity,-10} v2 rows {pe.Rows,9}  copy {pe.Secs,6:0.00}s = {pe.Rows / pe.Secs,9:0} rows/s   backfill {e.Seconds,6:0.00}s = {pe.Rows / e.Seconds,9:0} rows/s  ({100 * (pe.Rows / e.Seconds) / (pe.Rows / pe.Secs),5:0.0}% of copy)"));
        }
    }
    var copyRate = copyRows / copySecs;
    var backfillRate = copyRows / backfillSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"copy ceiling: {copyRows} v2 rows in {copySecs:0.00}s = {copyRate:0} rows/s; backfill: {copyRows} v2 rows in {backfillSeconds:0.00}s = {backfillRate:0} rows/s = {100 * backfillRate / copyRate:0.0}% of the COPY rate (target >= 50%)"));
}
if (args.Contains("--verify"))
{
    clock.Restart();
    var verify = await new VerifyEngine().RunAsync(new VerifyOptions { LegacyUrl = legacy, TargetUrl = target, BatchSize = batch }, CancellationToken.None);
    Console.WriteLine(verify.ToTable());
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verify: {clock.Elapsed.TotalSeconds:0.0}s"));
}

return report.ExitCode;
