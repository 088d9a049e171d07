using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;
using Teski.Infrastructure.Persistence;
using Teski.Infrastructure.V2;
using Teski.Testing;

namespace Teski.Infrastructure.Tests.V2;

public sealed class PostgresV2StoreTests
{
    private static readonly Instant T0 = Instant.FromUtc(2025, 3, 14, 9, 26, 53) + Duration.FromTicks(5_897_930);
    private readonly V2StoreMigrator _migrator = new();

    private static async Task<DatabaseUrl> FreshAsync() =>
        new(DatabaseProvider.Postgres, await PostgresServer.Instance.CreateDatabaseAsync("v2"));

    [Fact]
    public async Task Fresh_database_gets_native_types_round_trips_rows_and_migrating_again_is_a_no_op()
    {
        var url = await FreshAsync();

        var report = await _migrator.MigrateAsync(url, default);

        report.Adopted.Should().BeFalse();
        report.MigrationsApplied.Select(m => m[15..]).Should().Equal("PreviousStackBaseline", "TeskiAdditions", "MirrorBacklogPendingIndexes", "MirrorBacklogLeanIndexes", "MirrorBacklogAppliedIndex", "MirrorLedgerAppliedIndex");
        report.TablesPresent.Should().Contain(["user", "memoryitem", "reviewlog", "teski_mirror_backlog", "legacy_task_detail"]);
        var types = await ColumnTypesAsync(url);
        types[("user", "id")].Should().Be("uuid");
        types[("user", "created_at")].Should().Be("timestamp with time zone");
        types[("user", "is_pro")].Should().Be("boolean");
        types[("memoryitem", "task_id")].Should().Be("uuid");
        types[("memoryitem", "ease")].Should().Be("double precision");
        types[("analyticsevent", "payload")].Should().Be("jsonb");
        types[("mistake", "raw")].Should().Be("text");
        types[("mistake", "concept")].Should().Be("character varying");
        types[("teski_mirror_backlog", "seq")].Should().Be("bigint");
        (await ScalarAsync(url, "SELECT is_identity FROM information_schema.columns WHERE table_name = 'teski_mirror_backlog' AND column_name = 'seq'")).Should().Be("YES");

        var rows = V2RowSamples.Create(T0);
        await using (var db = V2DbContextFactory.Create(url))
        {
            rows.AddTo(db);
            await db.SaveChangesAsync();
        }
        await using (var db = V2DbContextFactory.Create(url))
        {
            await rows.AssertRoundTripAsync(db);
        }

        var again = await _migrator.MigrateAsync(url, default);
        again.Adopted.Should().BeFalse();
        again.MigrationsApplied.Should().BeEmpty();
        (await ScalarAsync(url, "SELECT COUNT(*) FROM \"__EFMigrationsHistory\"")).Should().Be(6L);
        (await _migrator.IsUpToDateAsync(url)).Should().BeTrue();
        // The outbox's pending records have partial indexes of their own, its applied history one for the prune, and
        // nothing else is indexed; its pages leave room for a claim's HOT update (ADR 0004 addenda).
        ((string?)await ScalarAsync(url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'teski_ix_mirror_backlog_pending_stream_seq'"))
            .Should().Contain("(stream, seq) WHERE (applied_at IS NULL)");
        ((string?)await ScalarAsync(url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'teski_ix_mirror_backlog_applied_at'"))
            .Should().Contain("(applied_at) WHERE (applied_at IS NOT NULL)");
        ((string?)await ScalarAsync(url, "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'teski_mirror_backlog'"))
            .Should().Be("PK_teski_mirror_backlog,teski_ix_mirror_backlog_applied_at,teski_ix_mirror_backlog_pending_seq,teski_ix_mirror_backlog_pending_stream_seq");
        ((string?)await ScalarAsync(url, "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'teski_mirror_backlog'"))
            .Should().Be("fillfactor=50");
        // The ledger: its primary key and the index its prune reads.
        ((string?)await ScalarAsync(url, "SELECT string_agg(indexdef, ' | ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'teski_mirror_applied'"))
            .Should().Contain("UNIQUE INDEX \"PK_teski_mirror_applied\"").And.Contain("teski_ix_mirror_applied_applied_at ON public.teski_mirror_applied USING btree (applied_at)");
    }

    [Fact]
    public async Task Two_concurrent_migrations_of_one_fresh_database_both_succeed_and_leave_one_history()
    {
        var url = await FreshAsync();

        var reports = await Task.WhenAll(
            Task.Run(() => _migrator.MigrateAsync(url, default)),
            Task.Run(() => _migrator.MigrateAsync(url, default)));

        reports.SelectMany(r => r.MigrationsApplied).Should().HaveCount(6, "the six migrations ran once in all");
        (await ScalarAsync(url, "SELECT COUNT(*) FROM \"__EFMigrationsHistory\"")).Should().Be(6L);
        (await _migrator.IsUpToDateAsync(url)).Should().BeTrue();
    }

    [Fact]
    public async Task A_previous_stack_layout_with_other_column_types_is_refused_not_guessed()
    {
        var url = await FreshAsync();
        await _migrator.MigrateAsync(url, default);
        // Simulate a database the previous stack made on PostgreSQL (naive timestamps, no EF history).
        await ExecAsync(url, "DROP TABLE \"__EFMigrationsHistory\"; ALTER TABLE xpevent ALTER COLUMN ts TYPE timestamp without time zone;");

        var act = () => _migrator.MigrateAsync(url, default);

        (await act.Should().ThrowAsync<V2StoreMigrationException>()).Which.Message
            .Should().Contain("column xpevent.ts is timestamp without time zone, expected timestamp with time zone");
    }

    private static async Task<Dictionary<(string, string), string>> ColumnTypesAsync(DatabaseUrl url)
    {
        await using var conn = new NpgsqlConnection(url.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'", conn);
        await using var r = await cmd.ExecuteReaderAsync();
        var d = new Dictionary<(string, string), string>();
        while (await r.ReadAsync())
        {
            d[(r.GetString(0), r.GetString(1))] = r.GetString(2);
        }
        return d;
    }

    private static async Task<object?> ScalarAsync(DatabaseUrl url, string sql)
    {
        await using var conn = new NpgsqlConnection(url.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }

    private static async Task ExecAsync(DatabaseUrl url, string sql)
    {
        await using var conn = new NpgsqlConnection(url.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
