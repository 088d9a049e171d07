using System.Security.Cryptography;
using System.Text;

namespace Teski.Domain.Common;

/// <summary>
/// Name-based (RFC 9562 version 5) UUIDs for v2 rows that stand for a legacy row.
/// The backfill and the dual-write mirror derive the same id from the same legacy key, so whichever of
/// them writes first, the other finds the row instead of adding a second copy (migration-rules.md, "Identity").
/// </summary>
public static class StableId
{
    /// <summary>The namespace every Teski name-based id lives in (itself a fixed random UUID).</summary>
    public static readonly Guid Namespace = new("4f6c1f0e-8d7b-4a51-9a39-2b1f6f2f9c11");

    /// <summary>The v2 id for the legacy row <paramref name="legacyKey"/> of <paramref name="legacyTable"/>, e.g. ("mistake_logs", "42").</summary>
    public static Guid For(string legacyTable, string legacyKey) => Create(Namespace, legacyTable + ":" + legacyKey);

    public static Guid For(string legacyTable, long legacyKey) =>
        For(legacyTable, legacyKey.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>RFC 9562 §5.5: SHA-1 over the namespace's network-order bytes and the UTF-8 name.</summary>
    public static Guid Create(Guid namespaceId, string name)
    {
        Span<byte> ns = stackalloc byte[16];
        namespaceId.TryWriteBytes(ns, bigEndian: true, out _);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        ns.CopyTo(input);
        nameBytes.CopyTo(input, 16);
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 prescribes for v5; this is an identifier, not a signature.
        var hash = SHA1.HashData(input);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>Canonical lowercase hyphenated text (the form A/B hashing and tokens use).</summary>
    public static string Canonical(Guid id) => id.ToString("D");
}
