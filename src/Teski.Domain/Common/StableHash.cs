using System.Text;

namespace Teski.Domain.Common;

/// <summary>
/// A process-independent string hash for deterministic choices (persona lines, micro-scripts).
/// string.GetHashCode is randomised per process, so a choice made with it would change on every restart.
/// </summary>
public static class StableHash
{
    private const uint FnvOffsetBasis = 2166136261;
    private const uint FnvPrime = 16777619;

    /// <summary>32-bit FNV-1a over the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static uint Fnv1a32(string text)
    {
        var hash = FnvOffsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= FnvPrime;
        }

        return hash;
    }

    /// <summary>A stable index into a list of <paramref name="count"/> items (count &gt; 0).</summary>
    public static int IndexFor(string key, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return (int)(Fnv1a32(key) % (uint)count);
    }
}
