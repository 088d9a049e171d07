using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Teski.Infrastructure.Persistence;

/// <summary>
/// Plain Npgsql commands on an EF context's connection, for the hot statements that skip EF's command pipeline: the
/// connection opened if EF has not, and the command enlisted in the context's current transaction, if any.
/// </summary>
internal static class PostgresCommands
{
    public static async Task<NpgsqlCommand> CreateAsync(DatabaseFacade database, string sql, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await database.OpenConnectionAsync(ct);
        }
        return new NpgsqlCommand(sql, connection)
        {
            Transaction = (NpgsqlTransaction?)database.CurrentTransaction?.GetDbTransaction(),
        };
    }

    /// <summary>An empty batch on the context's connection and transaction, as <see cref="CreateAsync"/>: one round trip for several statements.</summary>
    public static async Task<NpgsqlBatch> CreateBatchAsync(DatabaseFacade database, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await database.OpenConnectionAsync(ct);
        }
        return new NpgsqlBatch(connection)
        {
            Transaction = (NpgsqlTransaction?)database.CurrentTransaction?.GetDbTransaction(),
        };
    }

    /// <summary>A positional array parameter of <paramref name="element"/> values (for <c>unnest</c> and <c>= ANY</c>).</summary>
    public static NpgsqlParameter Array<T>(T[] values, NpgsqlTypes.NpgsqlDbType element) =>
        new() { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | element, Value = values };

    /// <summary>A batch command with positional parameters: an <see cref="NpgsqlParameter"/> as given, any other value inferred.</summary>
    public static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        }
        return command;
    }
}
