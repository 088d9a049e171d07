using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using Npgsql;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;
using Teski.Application.Persona;
using Teski.Application.Xp;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.Legacy.Store;

/// <summary>
/// The legacy schema behind the application's ports, with the legacy app's meaning (legacy-schema.md, "Legacy
/// behaviour"). Scoped: one <see cref="LegacyDbContext"/> (and one open connection) per DI scope, shared by every port
/// and by <see cref="LegacyLeaderboard"/>, so all of a request's port calls join the transaction <see cref="BeginAsync"/>
/// opened. A port write made outside an explicit transaction runs in one of its own, so each call is atomic either way.
/// <para>
/// Locking (docs/legacy-store-adapters.md): on SQLite a transaction starts IMMEDIATE, so writers queue at BEGIN (busy
/// timeout 5 s) instead of deadlocking on a lock upgrade. On PostgreSQL transactions are READ COMMITTED and every
/// memory read-modify-write first takes a transaction-scoped advisory lock on the user, rather than
/// <c>SELECT … FOR UPDATE</c> on the rows: those flows also create rows (a first <c>memory_stats</c> or review card) that
/// no row lock can cover yet, and <c>memory_stats (user_id, skill_id)</c> with a NULL skill is not protected by its
/// unique constraint at all (NULLs are distinct). One lock per user, always taken first, cannot deadlock with itself.
/// </para>
/// </summary>
public sealed class LegacyStore : IStore, IAsyncDisposable
{
    /// <summary>How long a SQLite writer waits for the write lock before the attempt counts as a conflict (retried).</summary>
    public const int SqliteBusyTimeoutMs = 5000;

    /// <summary>The advisory-lock class (first key) of "legacy memory of one user"; the second key is the legacy user id.</summary>
    public const int UserLockClass = 0x7E5C_0001;

    private const string BusyTimeoutPragma = "PRAGMA busy_timeout = 5000";

    private readonly IDbContextFactory<LegacyDbContext> _factory;
    private LegacyDbContext? _db;

    public LegacyStore(IDbContextFactory<LegacyDbContext> factory)
    {
        _factory = factory;
        Users = new LegacyUserPort(this);
        Memory = new LegacyMemoryPort(this);
        Progress = new LegacyProgressPort(this);
        Personas = new LegacyPersonaPort(this);
        Backlog = new LegacyMirrorBacklog(this);
    }

    public StoreKind Kind => StoreKind.Legacy;

    public IUserPort Users { get; }

    public IMemoryPort Memory { get; }

    public IProgressPort Progress { get; }

    public IPersonaPort Personas { get; }

    public IMirrorBacklog Backlog { get; }

    public async Task<IStoreTransaction> BeginAsync(CancellationToken ct)
    {
        var db = await ContextAsync(ct);
        if (db.Database.CurrentTransaction is not null)
        {
            throw new InvalidOperationException("A legacy store transaction is already open in this scope.");
        }
        // A retried request runs again in the same scope: entities tracked by the failed attempt hold values the
        // rollback undid, and EF would hand them back instead of the rows as they are now.
        db.ChangeTracker.Clear();
        try
        {
            return await BeginOnAsync(db, this, ct);
        }
        catch (Exception ex) when (IsConflict(ex))
        {
            throw Conflict(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
            _db = null;
        }
    }

    /// <summary>This scope's context, created and opened on first use (the connection stays open for the scope).</summary>
    internal async ValueTask<LegacyDbContext> ContextAsync(CancellationToken ct)
    {
        if (_db is null)
        {
            _db = await NewOpenContextAsync(ct);
        }
        return _db;
    }

    /// <summary>A separate context on its own connection, for work that must not join the scope's transaction.</summary>
    internal async Task<LegacyDbContext> SideContextAsync(CancellationToken ct) => await NewOpenContextAsync(ct);

    /// <summary>Begins a transaction on <paramref name="db"/> (IMMEDIATE on SQLite, READ COMMITTED on PostgreSQL).</summary>
    internal static async Task<IStoreTransaction> BeginOnAsync(LegacyDbContext db, LegacyStore? owner, CancellationToken ct)
    {
        if (db.Database.IsSqlite())
        {
            // deferred: false = BEGIN IMMEDIATE. A deferred transaction that reads and then writes has to upgrade its
            // lock, and two such writers deadlock with SQLITE_BUSY that no busy timeout can resolve.
            var connection = (SqliteConnection)db.Database.GetDbConnection();
            var sqliteTx = connection.BeginTransaction(deferred: false);
            var efTx = await db.Database.UseTransactionAsync(sqliteTx, ct)
                ?? throw new InvalidOperationException("EF did not accept the SQLite transaction.");
            return new Transaction(db, owner, efTx, sqliteTx);
        }
        return new Transaction(db, owner, await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct), null);
    }

    private async Task<LegacyDbContext> NewOpenContextAsync(CancellationToken ct)
    {
        var db = await _factory.CreateDbContextAsync(ct);
        // Our transactions are all-or-nothing: EF's per-SaveChanges savepoints would only add round trips.
        db.Database.AutoSavepointsEnabled = false;
        try
        {
            await db.Database.OpenConnectionAsync(ct);
            if (db.Database.IsSqlite())
            {
                // SQLite's own busy handler makes a writer wait for the lock (also at BEGIN IMMEDIATE) instead of
                // failing at once; the connection string's Default Timeout only covers Microsoft.Data.Sqlite's retries.
                await db.Database.ExecuteSqlRawAsync(BusyTimeoutPragma, ct);
            }
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> on the scope's context, joining the current transaction if there is one.</summary>
    internal async Task<T> RunAsync<T>(Func<LegacyDbContext, Task<T>> work, CancellationToken ct)
    {
        var db = await ContextAsync(ct);
        try
        {
            return await work(db);
        }
        catch (Exception ex) when (IsConflict(ex))
        {
            throw Conflict(ex);
        }
    }

    /// <summary>Runs a multi-statement write atomically: in the current transaction, or else in one of its own.</summary>
    internal async Task<T> WriteAsync<T>(Func<LegacyDbContext, Task<T>> work, CancellationToken ct)
    {
        var db = await ContextAsync(ct);
        if (db.Database.CurrentTransaction is not null)
        {
            return await RunAsync(work, ct);
        }
        await using var tx = await BeginAsync(ct);
        var result = await RunAsync(work, ct);
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>
    /// Serialises the legacy memory writes of one user until the transaction ends (PostgreSQL; on SQLite the IMMEDIATE
    /// transaction already serialises every writer). Must run inside a transaction.
    /// </summary>
    internal static async Task LockUserAsync(LegacyDbContext db, long legacyUserId, CancellationToken ct)
    {
        if (db.Database.IsSqlite())
        {
            return;
        }
        // pg_advisory_xact_lock(int4, int4): legacy user ids are INTEGER, so the id itself is the second key.
        await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock({0}, {1})", [UserLockClass, checked((int)legacyUserId)], ct);
    }

    /// <summary>
    /// <see cref="LockUserAsync"/> for several users in one statement, in ascending id order (the order every batch
    /// takes them in, so two batches cannot deadlock on each other; a single-user lock holder never waits for another).
    /// </summary>
    internal static async Task LockUsersAsync(LegacyDbContext db, IReadOnlyCollection<int> legacyUserIds, CancellationToken ct)
    {
        if (db.Database.IsSqlite() || legacyUserIds.Count == 0)
        {
            return;
        }
        await using var batch = await PostgresCommands.CreateBatchAsync(db.Database, ct);
        batch.BatchCommands.Add(LockUsersCommand(legacyUserIds));
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The statement of <see cref="LockUsersAsync"/>, for a caller that sends it in a batch with its reads (PostgreSQL).</summary>
    internal static NpgsqlBatchCommand LockUsersCommand(IReadOnlyCollection<int> legacyUserIds) =>
        PostgresCommands.Command("SELECT pg_advisory_xact_lock($1, x) FROM unnest($2::integer[]) WITH ORDINALITY AS t(x, n) ORDER BY n",
            UserLockClass, PostgresCommands.Array(legacyUserIds.Distinct().Order().ToArray(), NpgsqlTypes.NpgsqlDbType.Integer));

    /// <summary>
    /// Inserts one row unless it collides with a unique key (<c>INSERT … ON CONFLICT DO NOTHING</c> on both providers);
    /// returns the number of rows inserted. Used where two writers may race to create the same row: a unique violation
    /// would abort a PostgreSQL transaction, whereas this lets the loser carry on with the winner's row. Not
    /// <c>INSERT OR IGNORE</c> on SQLite: that would also swallow NOT NULL violations, silently dropping a bad row.
    /// </summary>
    internal static Task<int> InsertIfAbsentAsync(LegacyDbContext db, string table, string columns, object?[] values, CancellationToken ct)
    {
        var sqlite = db.Database.IsSqlite();
        // Explicit DbParameters: EF cannot infer a type mapping for a bare NULL argument.
        var parameters = values.Select((v, i) => sqlite
            ? (DbParameter)new SqliteParameter("@p" + i, Param(true, v))
            : new NpgsqlParameter("p" + i, Param(false, v))).ToArray();
        var placeholders = string.Join(", ", values.Select((v, i) =>
            !sqlite && v is WallUtc or WallHelsinki ? "CAST(@p" + i + " AS timestamp)" : "@p" + i));
        var sql = "INSERT INTO " + table + " (" + columns + ") VALUES (" + placeholders + ") ON CONFLICT DO NOTHING";
        return db.Database.ExecuteSqlRawAsync(sql, parameters, ct);
    }

    /// <summary>
    /// A raw-SQL parameter in the column's stored form: raw SQL bypasses the model's value converters. Legacy datetime
    /// columns take the legacy text (cast to <c>timestamp</c> on PostgreSQL); support-table instants are naive-UTC
    /// text on SQLite and <c>timestamptz</c> on PostgreSQL; uuids are CHAR(32) hex on SQLite; booleans 0/1 on SQLite.
    /// </summary>
    private static object Param(bool sqlite, object? value) => value switch
    {
        null => DBNull.Value,
        WallUtc w => LegacyTime.FormatUtc(w.Value),
        WallHelsinki w => LegacyTime.FormatHelsinki(w.Value),
        Instant i when sqlite => LegacyTime.FormatUtc(i),
        Guid g when sqlite => g.ToString("N"),
        bool b when sqlite => b ? 1L : 0L,
        _ => value,
    };

    /// <summary>
    /// A lost race the caller should retry: a serialization failure or deadlock victim (PostgreSQL), a unique violation
    /// (two first inserts of one natural key; the retry finds the winner's row), a busy or locked database (SQLite), or
    /// an optimistic-concurrency miss (EF).
    /// </summary>
    internal static bool IsConflict(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StoreConflictException:
                case DbUpdateConcurrencyException:
                    return true;
                case PostgresException pg when pg.SqlState is PostgresErrorCodes.SerializationFailure
                    or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.LockNotAvailable:
                    return true;
                // SQLITE_BUSY (5), SQLITE_LOCKED (6); SQLITE_CONSTRAINT_PRIMARYKEY (1555), SQLITE_CONSTRAINT_UNIQUE (2067).
                case SqliteException s when s.SqliteErrorCode is 5 or 6 || s.SqliteExtendedErrorCode is 1555 or 2067:
                    return true;
            }
        }
        return false;
    }

    internal static StoreConflictException Conflict(Exception ex) =>
        ex as StoreConflictException ?? new StoreConflictException("legacy store: " + ex.GetBaseException().Message, ex);

    private sealed class Transaction(LegacyDbContext db, LegacyStore? owner, IDbContextTransaction tx, DbTransaction? ownedSqliteTx) : IStoreTransaction
    {
        private bool _committed;

        public async Task CommitAsync(CancellationToken ct)
        {
            try
            {
                await tx.CommitAsync(ct);
                _committed = true;
            }
            catch (Exception ex) when (IsConflict(ex))
            {
                throw Conflict(ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            // EF does not own a transaction handed to it with UseTransaction; disposing ours rolls it back if open.
            await tx.DisposeAsync();
            if (ownedSqliteTx is not null)
            {
                await ownedSqliteTx.DisposeAsync();
            }
            if (!_committed && owner is not null)
            {
                // Tracked entities now hold values the rollback undid.
                db.ChangeTracker.Clear();
            }
        }
    }
}

/// <summary>An instant for a legacy naive-UTC datetime column, in raw SQL.</summary>
internal readonly record struct WallUtc(Instant Value);

/// <summary>An instant for a legacy Helsinki wall-time column (<c>user.created_at</c> …), in raw SQL.</summary>
internal readonly record struct WallHelsinki(Instant Value);
