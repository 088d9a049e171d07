using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;
using NodaTime;
using Teski.Application.Common.Stores;
using Teski.Domain.Users;
using Teski.Infrastructure.Persistence;

namespace Teski.Infrastructure.V2.Store;

/// <summary>
/// What a review reads once the user and item rows are locked: the user's reviews in the day, counted up to
/// <see cref="Streak.ReviewsPerDay"/> (all the rules ask: is this the first, does the day count for the streak; an
/// uncapped count read every review of the day and grew with them, ~0.2 → 0.6 ms per review over a load run),
/// whether the user has the item's badge, and the grades of the item's two latest reviews (newest first; null when
/// there are fewer).
/// </summary>
internal sealed record ReviewReadColumns(int ReviewedInDay, bool HasBadge, int? LatestGrade, int? GradeBefore)
{
    public List<int> LatestGrades => [.. new[] { LatestGrade, GradeBefore }.OfType<int>()];
}

/// <summary>A due memory item as <c>GET /memory/next</c> shows it, with the user's review count in the day asked about.</summary>
internal sealed record DueItemColumns(Guid Id, string Concept, Instant DueAt, int ReviewedInDay);

/// <summary>
/// The queries every request runs (who the user is, what is due, how many reviews today, what a review reads under its locks),
/// compiled once with
/// <see cref="EF.CompileAsyncQuery{TContext,TParam1,TResult}(System.Linq.Expressions.Expression{Func{TContext,TParam1,CancellationToken,TResult}})"/>:
/// EF then skips parameter extraction and the query-cache lookup on each execution, which the profile of the
/// saturated <c>GET /memory/next</c> showed as a visible share of the service's CPU (docs/benchmarks.md).
/// A compiled query is bound to one model, so there is one set per context type and model (ADR 0007).
/// </summary>
internal static class V2HotQueries
{
    /// <summary>The user as a request acts for them: the <c>user</c> row's columns and its first legacy id, if any.</summary>
    public static Task<UserIdentity?> UserAsync(V2DbContext db, Guid id, CancellationToken ct) => db switch
    {
        SqliteV2DbContext s => For<SqliteV2DbContext>.Of(s).User(s, id, ct),
        PostgresV2DbContext p => UserOnPostgresAsync(p, id, ct),
        _ => throw Unknown(db),
    };

    // The compiled User query's SQL, as one plain command (PostgreSQL): every request reads its user first, and in a
    // perf profile of GET /memory/next the compiled query's materializer and EF's command set-up around it were a
    // visible share of the service's samples (docs/benchmarks.md). Same columns, same first legacy id.
    private const string UserOnPostgresSql =
        "SELECT u.timezone, u.analytics_consent, u.persona, " +
        "(SELECT m.legacy_user_id FROM legacy_user_map AS m WHERE m.user_id = u.id ORDER BY m.legacy_user_id LIMIT 1) " +
        "FROM \"user\" AS u WHERE u.id = $1";

    private static async Task<UserIdentity?> UserOnPostgresAsync(PostgresV2DbContext db, Guid id, CancellationToken ct)
    {
        await using var command = await PostgresCommands.CreateAsync(db.Database, UserOnPostgresSql, ct);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        return new UserIdentity(
            reader.IsDBNull(3) ? null : reader.GetInt32(3),
            id,
            reader.GetString(0),
            reader.GetBoolean(1),
            reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    // A legacy id's user through legacy_user_map, in one statement (PostgreSQL): every legacy endpoint's request resolves
    // its user so, and took two round trips (the map, then the row).
    private const string UserByLegacyIdOnPostgresSql =
        "SELECT u.id, u.timezone, u.analytics_consent, u.persona FROM legacy_user_map AS m " +
        "JOIN \"user\" AS u ON u.id = m.user_id WHERE m.legacy_user_id = $1";

    /// <summary>
    /// The user <c>legacy_user_map</c> maps <paramref name="legacyId"/> to, as <see cref="UserAsync"/> reads a v2 id's
    /// user; null when the id is not mapped (or the map points at no row: the caller's slower path reports that).
    /// PostgreSQL only: null on SQLite, where the caller's two in-process queries cost no round trip.
    /// </summary>
    public static async Task<UserIdentity?> UserByLegacyIdAsync(V2DbContext db, int legacyId, CancellationToken ct)
    {
        if (db is not PostgresV2DbContext)
        {
            return null;
        }
        await using var command = await PostgresCommands.CreateAsync(db.Database, UserByLegacyIdOnPostgresSql, ct);
        command.Parameters.Add(new NpgsqlParameter { Value = legacyId });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        return new UserIdentity(
            legacyId,
            reader.GetGuid(0),
            reader.GetString(1),
            reader.GetBoolean(2),
            reader.IsDBNull(3) ? null : reader.GetString(3));
    }

    /// <summary>
    /// Up to <paramref name="limit"/> items due at <paramref name="now"/>, earliest first, each carrying the count of
    /// the user's reviews in [<paramref name="dayStart"/>, <paramref name="dayEnd"/>): one statement instead of two
    /// (the count is an uncorrelated scalar subquery, evaluated once). Empty when nothing is due.
    /// </summary>
    public static async Task<List<DueItemColumns>> DueWithDayCountAsync(
        V2DbContext db, Guid userId, Instant now, Instant dayStart, Instant dayEnd, int limit, CancellationToken ct)
    {
        var rows = db switch
        {
            SqliteV2DbContext s => For<SqliteV2DbContext>.Of(s).Due(s, userId, now, dayStart, dayEnd, limit),
            PostgresV2DbContext p => For<PostgresV2DbContext>.Of(p).Due(p, userId, now, dayStart, dayEnd, limit),
            _ => throw Unknown(db),
        };
        var list = new List<DueItemColumns>(limit);
        await foreach (var row in rows.WithCancellation(ct))
        {
            list.Add(row);
        }
        return list;
    }

    public static Task<int> ReviewsBetweenAsync(V2DbContext db, Guid userId, Instant start, Instant end, CancellationToken ct) => db switch
    {
        SqliteV2DbContext s => For<SqliteV2DbContext>.Of(s).ReviewsBetween(s, userId, start, end, ct),
        PostgresV2DbContext p => For<PostgresV2DbContext>.Of(p).ReviewsBetween(p, userId, start, end, ct),
        _ => throw Unknown(db),
    };

    /// <summary>
    /// The review's reads in one statement (<see cref="ReviewReadColumns"/>), taken under the user's row lock. The
    /// nemesis badge needs the two latest earlier grades (<c>NemesisBadge.ReviewsInARow - 1</c>).
    /// </summary>
    public static Task<ReviewReadColumns> ReviewReadsAsync(
        V2DbContext db, Guid userId, Guid memoryId, Instant dayStart, Instant dayEnd, string badgeKind, CancellationToken ct) => db switch
    {
        SqliteV2DbContext s => For<SqliteV2DbContext>.Of(s).ReviewReads(s, userId, memoryId, dayStart, dayEnd, badgeKind, ct),
        PostgresV2DbContext p => For<PostgresV2DbContext>.Of(p).ReviewReads(p, userId, memoryId, dayStart, dayEnd, badgeKind, ct),
        _ => throw Unknown(db),
    };

    private static InvalidOperationException Unknown(V2DbContext db) => new($"no compiled queries for {db.GetType().Name}");

    /// <summary>
    /// The compiled queries for one model. EF refuses to run a compiled query against another model than the one it
    /// first ran with, and a process can hold several models of one context type (one per internal service provider:
    /// the tests build many), so the sets are kept per model instance.
    /// </summary>
    private sealed class For<TContext>
        where TContext : V2DbContext
    {
        private static readonly ConditionalWeakTable<IModel, For<TContext>> PerModel = new();

        public static For<TContext> Of(TContext db) => PerModel.GetValue(db.Model, static _ => new For<TContext>());

        public readonly Func<TContext, Guid, CancellationToken, Task<UserIdentity?>> User =
            EF.CompileAsyncQuery((TContext db, Guid id, CancellationToken ct) =>
                db.Users.AsNoTracking()
                    .Where(u => u.Id == id)
                    .Select(u => new UserIdentity(
                        db.LegacyUserMaps.Where(m => m.UserId == u.Id).OrderBy(m => m.LegacyUserId).Select(m => (long?)m.LegacyUserId).FirstOrDefault(),
                        u.Id, u.Timezone, u.AnalyticsConsent, u.Persona, null))
                    .FirstOrDefault());

        public readonly Func<TContext, Guid, Instant, Instant, Instant, int, IAsyncEnumerable<DueItemColumns>> Due =
            EF.CompileAsyncQuery((TContext db, Guid userId, Instant now, Instant dayStart, Instant dayEnd, int limit) =>
                db.MemoryItems.AsNoTracking()
                    .Where(m => m.UserId == userId && m.DueAt <= now)
                    .OrderBy(m => m.DueAt)
                    .Take(limit)
                    .Select(m => new DueItemColumns(m.Id, m.Concept, m.DueAt,
                        db.ReviewLogs.Count(r => r.UserId == userId && r.ReviewedAt >= dayStart && r.ReviewedAt < dayEnd))));

        public readonly Func<TContext, Guid, Guid, Instant, Instant, string, CancellationToken, Task<ReviewReadColumns>> ReviewReads =
            EF.CompileAsyncQuery((TContext db, Guid userId, Guid memoryId, Instant dayStart, Instant dayEnd, string badgeKind, CancellationToken ct) =>
                db.Users.AsNoTracking()
                    .Where(u => u.Id == userId)
                    .Select(u => new ReviewReadColumns(
                        db.ReviewLogs.Where(r => r.UserId == userId && r.ReviewedAt >= dayStart && r.ReviewedAt < dayEnd)
                            .Take(Streak.ReviewsPerDay).Count(),
                        db.Badges.Any(b => b.UserId == userId && b.Kind == badgeKind),
                        db.ReviewLogs.Where(r => r.MemoryId == memoryId).OrderByDescending(r => r.ReviewedAt).ThenByDescending(r => r.Id)
                            .Select(r => (int?)r.Grade).FirstOrDefault(),
                        db.ReviewLogs.Where(r => r.MemoryId == memoryId).OrderByDescending(r => r.ReviewedAt).ThenByDescending(r => r.Id)
                            .Select(r => (int?)r.Grade).Skip(1).FirstOrDefault()))
                    .First());

        public readonly Func<TContext, Guid, Instant, Instant, CancellationToken, Task<int>> ReviewsBetween =
            EF.CompileAsyncQuery((TContext db, Guid userId, Instant start, Instant end, CancellationToken ct) =>
                db.ReviewLogs.Count(r => r.UserId == userId && r.ReviewedAt >= start && r.ReviewedAt < end));
    }
}
