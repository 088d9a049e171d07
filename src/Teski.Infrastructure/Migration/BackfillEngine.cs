using System.Diagnostics;
using System.Globalization;
using NodaTime;
using Teski.Infrastructure.Migration.Rules;
using Teski.Infrastructure.Migration.Sql;
using Teski.Infrastructure.Migration.Steps;

namespace Teski.Infrastructure.Migration;

/// <summary>
/// Legacy → v2 backfill (migration-rules.md): raw ADO.NET, keyset-paginated reads, one transaction per batch
/// with its checkpoint, stable ids + insert-or-ignore so it is idempotent and resumable.
/// </summary>
public sealed class BackfillEngine
{
    internal static IReadOnlyList<EntityStep> CreateSteps() =>
    [
        new UsersStep(), new TasksStep(), new MistakesStep(), new MemoryStep(), new ReviewsStep(), new XpStep(), new AnalyticsStep(), new PersonasStep(),
    ];

    public async Task<BackfillReport> RunAsync(BackfillOptions options, IProgress<BackfillProgress>? progress, CancellationToken ct)
    {
        if (options.BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1");
        }
        var selected = options.Only is { Count: > 0 } only ? only : new HashSet<string>(BackfillEntities.InOrder);
        var report = new BackfillReport { DryRun = options.DryRun };
        await using var legacy = await MigrationDb.OpenAsync(options.LegacyUrl, ct);
        await using var v2 = await MigrationDb.OpenAsync(options.TargetUrl, ct);
        var ctx = await CreateContextAsync(legacy, v2, options.Clock.GetCurrentInstant(), options.LegacyTimeZone, options.DefaultPersona,
            options.XpReasonMap, options.AdoptionTolerance, allowUnmapped: options.DryRun, ct);
        if (!options.DryRun && options.PostgresBinaryCopy)
        {
            // Session temp tables, created here outside any batch transaction so a rolled-back batch cannot take them along.
            await v2.PrepareStagingAsync(V2Tables.All, ct);
        }
        // PostgreSQL targets: a second connection reads and plans batch N+1 while batch N is written (pipelining).
        // Planning only looks up rows of earlier steps and of its own keys, never what batch N is writing.
        await using var v2Read = !options.DryRun && v2.IsPostgres && options.Pipeline ? await MigrationDb.OpenAsync(options.TargetUrl, ct) : null;

        // Fail before writing anything when a prerequisite outside this run is missing.
        foreach (var step in CreateSteps().Where(s => selected.Contains(s.Entity)))
        {
            foreach (var pre in BackfillEntities.Prerequisites[step.Entity])
            {
                if (!selected.Contains(pre) && !await MigratedAsync(v2, CreateSteps().Single(s => s.Entity == pre), ct))
                {
                    throw new BackfillPrerequisiteException(step.Entity, pre);
                }
            }
        }

        foreach (var step in CreateSteps().Where(s => selected.Contains(s.Entity)))
        {
            report.Entities.Add(await RunStepAsync(ctx, v2Read is null ? null : ctx.WithV2(v2Read), step, options, progress, ct));
            if (step.Entity == BackfillEntities.Users)
            {
                // The map now holds the users just migrated; later steps resolve owners through it.
                ctx.Users = await UserDirectory.LoadAsync(legacy, v2, ct);
            }
            if (step.Entity == BackfillEntities.Tasks)
            {
                // The task map just grew: forget any lookup made before it.
                ctx.TaskLookups.Clear();
            }
        }
        return report;
    }

    internal static async Task<StepContext> CreateContextAsync(MigrationDb legacy, MigrationDb v2, Instant now, string zoneId, string defaultPersona,
        IReadOnlyDictionary<string, string> reasonMap, Duration tolerance, bool allowUnmapped, CancellationToken ct)
    {
        var ctx = new StepContext
        {
            Legacy = legacy,
            V2 = v2,
            // v2 datetimes keep microseconds: a finer migration time would not round-trip.
            Now = LegacyTime.ToMicros(now),
            Zone = LegacyTime.Zone(zoneId),
            ZoneId = LegacyTime.Zone(zoneId).Id,
            DefaultPersona = defaultPersona,
            XpReasonMap = reasonMap,
            Tolerance = tolerance,
            AllowUnmappedUsers = allowUnmapped,
            LegacyHasErrorSubtype = await legacy.ColumnExistsAsync("mistake_logs", "error_subtype", ct),
            LegacyHasRowLinks = await legacy.TableExistsAsync("legacy_row_link", ct),
        };
        ctx.Users = await UserDirectory.LoadAsync(legacy, v2, ct);
        return ctx;
    }

    private static async Task<bool> MigratedAsync(MigrationDb v2, EntityStep step, CancellationToken ct)
    {
        if (await Checkpoints.ReadAsync(v2, step.Entity, ct) is { Completed: true })
        {
            return true;
        }
        return await v2.ScalarAsync($"SELECT 1 FROM {MigrationDb.Quote(step.ProofTable)} LIMIT 1", null, ct) is not null;
    }

    private static async Task<EntityReport> RunStepAsync(StepContext ctx, StepContext? readCtx, EntityStep step, BackfillOptions options, IProgress<BackfillProgress>? progress, CancellationToken ct)
    {
        var report = new EntityReport { Entity = step.Entity };
        var clock = Stopwatch.StartNew();
        await step.PrepareAsync(ctx, ct);
        var checkpoint = await Checkpoints.ReadAsync(ctx.V2, step.Entity, ct);
        string? after = null;
        long done = 0;
        if (checkpoint is { Completed: false, LastLegacyId: not null })
        {
            // Resume after the last committed batch; a completed entity is re-walked from the start (idempotently),
            // which also picks up legacy rows added since.
            after = checkpoint.LastLegacyId;
            done = checkpoint.RowsDone;
            report.ResumedAfter = after;
            report.RowsDoneBefore = done;
        }
        var total = Convert.ToInt64(await ctx.Legacy.ScalarAsync(step.CountSql, null, ct), CultureInfo.InvariantCulture);
        var startDone = done;
        progress?.Report(new BackfillProgress(step.Entity, done, total, 0));
        // With a read context the next batch is read and planned on the thread pool while this one is written.
        Task<PlannedBatch> Read(string? from) => readCtx is null
            ? step.ReadBatchAsync(ctx, from, options.BatchSize, ct)
            : Task.Run(() => step.ReadBatchAsync(readCtx, from, options.BatchSize, ct), ct);
        var pending = Read(after);
        // Where the step's time goes: waiting for legacy reads + planning (with read-ahead only the part not hidden
        // behind the previous write) vs writing batches (v2 transaction, adoption probes, COPY, insert, checkpoint).
        var readWait = new Stopwatch();
        var writeTime = new Stopwatch();
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                readWait.Start();
                var batch = await pending;
                readWait.Stop();
                if (batch.LastKey is null)
                {
                    break;
                }
                if (readCtx is not null)
                {
                    pending = Read(batch.LastKey);
                }
                report.Read += batch.Read;
                foreach (var s in batch.Skipped)
                {
                    report.Skip(s.Key, s.Reason, options.ListedKeys);
                }
                foreach (var f in batch.Failed)
                {
                    report.Fail(f.Key, f.Reason, options.ListedKeys);
                }
                done += batch.Advanced ?? batch.Read;
                writeTime.Start();
                if (options.DryRun)
                {
                    await step.DryRunAsync(ctx, batch, report, ct);
                }
                else
                {
                    await WriteBatchWithRetryAsync(ctx, step, batch, done, report, ct);
                }
                writeTime.Stop();
                after = batch.LastKey;
                var secs = clock.Elapsed.TotalSeconds;
                progress?.Report(new BackfillProgress(step.Entity, done, total, secs > 0 ? (done - startDone) / secs : 0));
                if (readCtx is null)
                {
                    ct.ThrowIfCancellationRequested();
                    pending = Read(after);
                }
            }
        }
        finally
        {
            // A failed write must not leave a read running on connections about to be closed.
            if (!pending.IsCompleted)
            {
                await Task.WhenAny(pending);
            }
            _ = pending.Exception;
        }
        if (!options.DryRun)
        {
            await using var tx = await ctx.V2.Connection.BeginTransactionAsync(ct);
            await step.FinishAsync(ctx, tx, report, ct);
            await Checkpoints.WriteAsync(ctx.V2, new Checkpoint(step.Entity, after, done, true), ctx.Now, tx, ct);
            await tx.CommitAsync(ct);
        }
        report.Seconds = clock.Elapsed.TotalSeconds;
        report.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"time {report.Seconds:F2}s: waiting for read+plan {readWait.Elapsed.TotalSeconds:F2}s, writing {writeTime.Elapsed.TotalSeconds:F2}s{(readCtx is null ? "" : " (read-ahead: reads overlap writes)")}"));
        return report;
    }

    /// <summary>
    /// One batch in one transaction with its checkpoint. Run beside live traffic (the dual-write mirror writes the same
    /// tables), PostgreSQL may pick the batch as a deadlock or serialization victim: the whole transaction rolled back,
    /// so it is simply run again (the report's counts are restored first, so nothing is counted twice).
    /// </summary>
    private static async Task WriteBatchWithRetryAsync(StepContext ctx, EntityStep step, PlannedBatch batch, long done, EntityReport report, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (inserted, present, adopted) = (report.Inserted, report.AlreadyPresent, report.Adopted);
            try
            {
                await using var tx = await ctx.V2.Connection.BeginTransactionAsync(ct);
                await step.WriteAsync(ctx, batch, tx, report, ct);
                await Checkpoints.WriteAsync(ctx.V2, new Checkpoint(step.Entity, batch.LastKey, done, false), ctx.Now, tx, ct);
                await tx.CommitAsync(ct);
                return;
            }
            catch (Npgsql.PostgresException ex) when (ex.SqlState is "40P01" or "40001" && attempt < 5)
            {
                (report.Inserted, report.AlreadyPresent, report.Adopted) = (inserted, present, adopted);
                report.Notes.Add($"batch after {batch.LastKey}: {ex.SqlState} (lost a race with live writes), retried");
                await Task.Delay(50 * attempt, ct);
            }
        }
    }
}
