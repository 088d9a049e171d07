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

namespace Teski.Infrastructure.V2.Store;

/// <summary>
/// The v2 schema behind the application's ports. Scoped: one <see cref="V2DbContext"/> (and one open connection) per
/// DI scope, shared by every port so that all of a request's port calls join the transaction <see cref="BeginAsync"/>
/// opened. Port writes made outside an explicit transaction run in an implicit one of their own, so each port call is
/// atomic either way.
/// <para>
/// Locking: on PostgreSQL transactions are READ COMMITTED and the read-modify-write flows lock the rows they change
/// (<c>SELECT … FOR NO KEY UPDATE</c>, always the user row first, then the memory item, so two flows never wait on each other
/// in opposite orders). On SQLite the database has one writer at a time, so transactions start IMMEDIATE: a second
/// writer waits (busy timeout) at BEGIN instead of failing later when a deferred read lock would need upgrading.
/// </para>
/// </summary>
public sealed class V2Store : IStore, IAsyncDisposable
{
    /// <summary>How long a SQLite writer waits for the write lock before the attempt counts as a conflict (retried).</summary>
    public const int SqliteBusyTimeoutMs = 5000;

    private const string BusyTimeoutPragma = "PRAGMA busy_timeout = 5000";

    private readonly IDbContextFactory<V2DbContext> _factory;
    private V2DbContext? _db;

    // Write-behind (PostgreSQL, in a transaction BeginAsync opened): a port call's final write batch, and the outbox
    // inserts that follow it, held back until the commit (sent in its round trip) or the scope's next call on this store.
    private bool _holdWrites;
    private NpgsqlBatch? _heldWrites;

    private const string CommitSql = "COMMIT";

    public V2Store(IDbContextFactory<V2DbContext> factory, V2UserZoneHints zoneHints)
    {
        _factory = factory;
        ZoneHints = zoneHints;
        Users = new V2UserPort(this);
        Memory = new V2MemoryPort(this);
        Progress = new V2ProgressPort(this);
        Personas = new V2PersonaPort(this);
        Backlog = new V2MirrorBacklog(this);
    }

    public StoreKind Kind => StoreKind.V2;

    /// <summary>The process's guesses of users' time zones (<see cref="V2UserZoneHints"/>: next's statement, the review's lock batch).</summary>
    internal V2UserZoneHints ZoneHints { get; }

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
            throw new InvalidOperationException("A v2 store transaction is already open in this scope.");
        }
        // A retried request runs again in the same scope: entities tracked by the failed attempt hold values the
        // rollback undid, and EF would hand them back instead of the rows as they are now.
        db.ChangeTracker.Clear();
        try
        {
            if (db is SqliteV2DbContext)
            {
                // deferred: false = BEGIN IMMEDIATE. A deferred transaction that reads and then writes has to upgrade
                // its lock, and two such writers deadlock with SQLITE_BUSY that no busy timeout can resolve.
                var connection = (SqliteConnection)db.Database.GetDbConnection();
                var sqliteTx = connection.BeginTransaction(deferred: false);
                var efTx = await db.Database.UseTransactionAsync(sqliteTx, ct)
                    ?? throw new InvalidOperationException("EF did not accept the SQLite transaction.");
                return new Transaction(this, efTx, sqliteTx);
            }
            var tx = new Transaction(this, await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct), null);
            _holdWrites = true;
            return tx;
        }
        catch (Exception ex) when (IsConflict(ex))
        {
            throw Conflict(ex);
        }
    }

    /// <summary>
    /// Executes a port call's final write batch, or, in a PostgreSQL transaction, holds it back: the commit sends it in
    /// its round trip (<see cref="Transaction.CommitAsync"/>), and every other call on this store sends it first, so
    /// the transaction's reads, what it commits, and its errors (surfacing one call later, still inside the
    /// transaction) are unchanged (ADR 0009 addenda). Takes ownership of the batch.
    /// </summary>
    internal async Task ExecuteWritesAsync(NpgsqlBatch batch, CancellationToken ct)
    {
        // Never two held at once: an earlier held batch goes first, so the writes reach the database in their order.
        try
        {
            await FlushHeldWritesAsync(ct);
        }
        catch
        {
            await batch.DisposeAsync();
            throw;
        }
        if (_holdWrites)
        {
            _heldWrites = batch;
            return;
        }
        await using (batch)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// Sends the held write batch, if any (before anything else runs on the scope's connection); with
    /// <paramref name="commit"/>, a <c>COMMIT</c> as its last statement, in the same round trip. False when nothing was
    /// held. A failing statement skips the rest of the batch, COMMIT included, and the exception leaves the transaction
    /// open for the rollback at dispose.
    /// </summary>
    private async Task<bool> FlushHeldWritesAsync(CancellationToken ct, bool commit = false)
    {
        if (_heldWrites is not { } held)
        {
            return false;
        }
        _heldWrites = null;
        await using (held)
        {
            if (commit)
            {
                // Once the server has left the transaction, so has Npgsql (its status comes from the server's answer):
                // the transaction object is complete, and disposing it rolls nothing back.
                held.BatchCommands.Add(new NpgsqlBatchCommand(CommitSql));
            }
            await held.ExecuteNonQueryAsync(ct);
        }
        return true;
    }

    private void DropHeldWrites()
    {
        _heldWrites?.Dispose();
        _heldWrites = null;
        _holdWrites = false;
    }

    /// <summary>
    /// One statement (an outbox insert) on the scope's connection and transaction. In a transaction it joins the held
    /// write batch (or starts one) and goes with the commit, errors included; outside one it runs at once. PostgreSQL only.
    /// </summary>
    internal async Task InsertWithHeldWritesAsync(NpgsqlBatchCommand insert, CancellationToken ct)
    {
        var db = await ContextAsync(ct);
        if (_holdWrites)
        {
            _heldWrites ??= await Persistence.PostgresCommands.CreateBatchAsync(db.Database, ct);
            _heldWrites.BatchCommands.Add(insert);
            return;
        }
        try
        {
            await using var batch = await Persistence.PostgresCommands.CreateBatchAsync(db.Database, ct);
            batch.BatchCommands.Add(insert);
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (Exception ex) when (IsConflict(ex))
        {
            throw Conflict(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        DropHeldWrites();
        if (_db is not null)
        {
            await _db.DisposeAsync();
            _db = null;
        }
    }

    /// <summary>This scope's context, created and opened on first use (the connection stays open for the scope).</summary>
    internal async ValueTask<V2DbContext> ContextAsync(CancellationToken ct)
    {
        if (_db is null)
        {
            var db = await _factory.CreateDbContextAsync(ct);
            // Our transactions are all-or-nothing: EF's per-SaveChanges savepoints would only add round trips.
            db.Database.AutoSavepointsEnabled = false;
            try
            {
                await OpenAsync(db, ct);
            }
            catch
            {
                await db.DisposeAsync();
                throw;
            }
            _db = db;
        }
        return _db;
    }

    /// <summary>A separate context on its own connection, for work that must not join the scope's transaction.</summary>
    internal async Task<V2DbContext> SideContextAsync(CancellationToken ct)
    {
        var db = await _factory.CreateDbContextAsync(ct);
        try
        {
            await OpenAsync(db, ct);
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    private static async Task OpenAsync(V2DbContext db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        if (db is SqliteV2DbContext)
        {
            // SQLite's own busy handler makes a writer wait for the lock (including at BEGIN IMMEDIATE) instead of
            // failing at once; the connection string's Default Timeout only covers Microsoft.Data.Sqlite's retries.
            await db.Database.ExecuteSqlRawAsync(BusyTimeoutPragma, ct);
        }
    }

    /// <summary>Runs <paramref name="work"/> on the scope's context, joining the current transaction if there is one.</summary>
    internal async Task<T> RunAsync<T>(Func<V2DbContext, Task<T>> work, CancellationToken ct)
    {
        var db = await ContextAsync(ct);
        try
        {
            await FlushHeldWritesAsync(ct);
            return await work(db);
        }
        catch (Exception ex) when (IsConflict(ex))
        {
            throw Conflict(ex);
        }
    }

    /// <summary>Runs a multi-statement write atomically: in the current transaction, or else in one of its own.</summary>
    internal async Task<T> WriteAsync<T>(Func<V2DbContext, Task<T>> work, CancellationToken ct)
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

    internal Task WriteAsync(Func<V2DbContext, Task> work, CancellationToken ct) =>
        WriteAsync(async db =>
        {
            await work(db);
            return true;
        }, ct);

    internal static bool IsSqlite(V2DbContext db) => db is SqliteV2DbContext;

    /// <summary>
    /// Inserts one row unless it collides with an existing key (<c>INSERT OR IGNORE</c> / <c>ON CONFLICT DO NOTHING</c>);
    /// returns the number of rows inserted. Used where two writers may race to create the same row: a unique
    /// violation would abort a PostgreSQL transaction, whereas this lets the loser read the winner's row.
    /// </summary>
    internal static Task<int> InsertIfAbsentAsync(V2DbContext db, string table, string columns, object[] values, CancellationToken ct)
    {
        var placeholders = string.Join(", ", Enumerable.Range(0, values.Length).Select(i => "{" + i + "}"));
        var sql = IsSqlite(db)
            ? "INSERT OR IGNORE INTO " + table + " (" + columns + ") VALUES (" + placeholders + ")"
            : "INSERT INTO " + table + " (" + columns + ") VALUES (" + placeholders + ") ON CONFLICT DO NOTHING";
        return db.Database.ExecuteSqlRawAsync(sql, values.Select(v => Param(db, v)), ct);
    }

    /// <summary>
    /// A raw-SQL parameter in the column's stored form. Raw SQL bypasses the model's value converters, and on SQLite
    /// ids are CHAR(32) hex and times naive-UTC text (see <see cref="SqliteGuidConverter"/>, <see cref="SqliteInstantConverter"/>).
    /// </summary>
    internal static object Param(V2DbContext db, object value) => (IsSqlite(db), value) switch
    {
        (true, Guid g) => g.ToString("N"),
        (true, Instant i) => SqliteInstantConverter.Format(i),
        _ => value,
    };

    /// <summary>
    /// A lost race the caller should retry: a serialization failure or deadlock victim (PostgreSQL), a unique
    /// violation (two first-inserts of the same natural key; every insert here is check-then-insert, so the retry
    /// finds the winner's row), a busy or locked database (SQLite), or an optimistic-concurrency miss (EF).
    /// </summary>
    internal static bool IsConflict(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
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
        ex as StoreConflictException ?? new StoreConflictException("v2 store: " + ex.GetBaseException().Message, ex);

    private void ForgetTracked() => _db?.ChangeTracker.Clear();

    private sealed class Transaction(V2Store store, IDbContextTransaction tx, DbTransaction? ownedSqliteTx) : IStoreTransaction
    {
        private bool _committed;

        public async Task CommitAsync(CancellationToken ct)
        {
            try
            {
                if (!await store.FlushHeldWritesAsync(ct, commit: true))
                {
                    await tx.CommitAsync(ct);
                }
                _committed = true;
            }
            catch (Exception ex) when (IsConflict(ex))
            {
                throw Conflict(ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            // Held writes not sent by now belong to a transaction that is rolled back.
            store.DropHeldWrites();
            // EF does not own a transaction handed to it with UseTransaction; disposing ours rolls it back if open.
            await tx.DisposeAsync();
            if (ownedSqliteTx is not null)
            {
                await ownedSqliteTx.DisposeAsync();
            }
            if (!_committed)
            {
                store.ForgetTracked();
            }
        }
    }
}
