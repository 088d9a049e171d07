using System.Data.Common;
using System.Globalization;
using NodaTime;
using Teski.Infrastructure.Migration.Rules;

namespace Teski.Infrastructure.Migration.Sql;

internal sealed record Checkpoint(string Entity, string? LastLegacyId, long RowsDone, bool Completed);

/// <summary>
/// <c>migration_checkpoint</c>: the last legacy key whose batch committed, written in that batch's transaction,
/// so a crash between batches resumes after it and a crash inside one rolls the whole batch back.
/// </summary>
internal static class Checkpoints
{
    public static async Task<Checkpoint?> ReadAsync(MigrationDb v2, string entity, CancellationToken ct)
    {
        await using var cmd = v2.Cmd("SELECT last_legacy_id, rows_done, completed FROM migration_checkpoint WHERE entity = @e");
        MigrationDb.Add(cmd, "@e", entity);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return null;
        }
        var completed = r.GetValue(2) is bool b ? b : Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture) != 0;
        return new Checkpoint(entity, r.IsDBNull(0) ? null : r.GetString(0), Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture), completed);
    }

    public static async Task WriteAsync(MigrationDb v2, Checkpoint cp, Instant now, DbTransaction tx, CancellationToken ct)
    {
        var (completed, updated) = v2.IsPostgres
            ? ("CAST(@c AS boolean)", "CAST(@u AS timestamptz)")
            : ("@c", "@u");
        await v2.ExecAsync(
            "INSERT INTO migration_checkpoint (entity, last_legacy_id, rows_done, completed, updated_at) " +
            $"VALUES (@e, @k, @n, {completed}, {updated}) " +
            "ON CONFLICT (entity) DO UPDATE SET last_legacy_id = excluded.last_legacy_id, rows_done = excluded.rows_done, " +
            "completed = excluded.completed, updated_at = excluded.updated_at",
            tx, ct,
            ("@e", cp.Entity), ("@k", cp.LastLegacyId), ("@n", cp.RowsDone),
            ("@c", v2.IsPostgres ? (cp.Completed ? "true" : "false") : (cp.Completed ? 1L : 0L)),
            ("@u", v2.IsPostgres ? LegacyTime.ToCanonical(now) : LegacyTime.ToV2Text(now)));
    }
}
