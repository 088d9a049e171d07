using Teski.Infrastructure.Migration.Rules;
using Teski.Infrastructure.Migration.Sql;

namespace Teski.Infrastructure.Migration.Steps;

/// <summary>
/// Legacy user id ↔ external UUID ↔ v2 user id, held in memory for one run. This is the engine's only
/// unbounded cache, and it is proportional to the number of users (three small entries per user: about
/// 100 bytes, so ~10 MB per 100k users); every other table is streamed in batches.
/// </summary>
internal sealed class UserDirectory
{
    private readonly Dictionary<long, Guid> _computed = [];
    private readonly Dictionary<long, Guid> _mapped = [];
    private readonly Dictionary<Guid, long> _byExternal = [];

    public int LegacyCount => _computed.Count;
    public int MappedCount => _mapped.Count;

    public static async Task<UserDirectory> LoadAsync(MigrationDb legacy, MigrationDb v2, CancellationToken ct)
    {
        var d = new UserDirectory();
        await using (var cmd = v2.Cmd("SELECT legacy_user_id, user_id FROM legacy_user_map"))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                d._mapped[Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)] = (Guid)MigrationDb.FromV2(r.GetValue(1), Col.Uuid)!;
            }
        }
        await using (var cmd = legacy.Cmd("SELECT id, external_user_id FROM \"user\""))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var id = Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
                var ext = r.IsDBNull(1) ? null : r.GetString(1);
                d._computed[id] = MigrationRules.UserId(id, ext, d._mapped.TryGetValue(id, out var m) ? m : null);
                if (MigrationRules.TryParseUuid(ext, out var g))
                {
                    d._byExternal[g] = id;
                }
            }
        }
        return d;
    }

    public bool LegacyExists(long legacyId) => _computed.ContainsKey(legacyId);

    public long? ByExternal(Guid external) => _byExternal.TryGetValue(external, out var id) ? id : null;

    public Guid? Mapped(long legacyId) => _mapped.TryGetValue(legacyId, out var g) ? g : null;

    /// <summary>The v2 id of a legacy user: its map row; or, when <paramref name="allowUnmapped"/>, the id the users step would give it.</summary>
    public Guid? V2Id(long legacyId, bool allowUnmapped) =>
        _mapped.TryGetValue(legacyId, out var g) ? g
        : allowUnmapped && _computed.TryGetValue(legacyId, out var c) ? c
        : null;

    public OwnerResolution Resolve(string? owner) => MigrationRules.ResolveOwner(owner, LegacyExists, ByExternal);
}
