using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NodaTime;
using Teski.Domain.Common;

namespace Teski.Domain.Analytics;

/// <summary>Deterministic A/B bucketing (v2-schema.md, "A/B assignment").</summary>
public static class AbTest
{
    public static IReadOnlyList<string> DefaultBuckets { get; } = ["control", "variant_a"];

    /// <summary>
    /// <c>buckets[int(sha256("&lt;experiment&gt;:&lt;uuid&gt;")[:8 hex], 16) mod len]</c>; the first 8 hex characters
    /// are the first 4 bytes read big-endian. The uuid text is the canonical lowercase hyphenated form, as the
    /// Python service hashed <c>str(uuid)</c>.
    /// </summary>
    public static string Bucket(string experiment, Guid userId, IReadOnlyList<string> buckets)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (buckets.Count == 0)
        {
            throw new ArgumentException("At least one bucket is required.", nameof(buckets));
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(experiment + ":" + StableId.Canonical(userId)));
        var prefix = BinaryPrimitives.ReadUInt32BigEndian(hash);
        return buckets[(int)(prefix % (uint)buckets.Count)];
    }

    /// <summary>
    /// Reads <c>AB_BUCKETS</c>: a JSON array (when the text starts with '[') or a comma list. Entries are trimmed
    /// and empty ones dropped; JSON numbers are taken by their text. A missing, empty or unreadable setting gives
    /// the default <c>control,variant_a</c> rather than failing every assignment.
    /// </summary>
    public static IReadOnlyList<string> ParseBuckets(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            return DefaultBuckets;
        }

        var text = setting.Trim();
        List<string> buckets;
        if (text.StartsWith('['))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.ValueKind != JsonValueKind.Array)
                {
                    return DefaultBuckets;
                }

                buckets = doc.RootElement.EnumerateArray()
                    .Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())
                    .Select(s => s.Trim())
                    .Where(s => s.Length > 0)
                    .ToList();
            }
            catch (JsonException)
            {
                return DefaultBuckets;
            }
        }
        else
        {
            buckets = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        }

        return buckets.Count > 0 ? buckets : DefaultBuckets;
    }
}

/// <summary>An <c>abtestassignment</c> row.</summary>
public sealed record AbAssignment(Guid Id, Guid UserId, string Experiment, string Bucket, Instant AssignedAt)
{
    /// <summary>
    /// Assignments are sticky: an existing assignment is returned unchanged, even if the buckets have changed since,
    /// so a user never switches arms mid-experiment. Otherwise a new assignment (the caller stores it; it is new
    /// exactly when <paramref name="existing"/> was null).
    /// </summary>
    public static AbAssignment Decide(
        AbAssignment? existing, Guid newId, Guid userId, string experiment, IReadOnlyList<string> buckets, Instant now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(experiment);
        if (existing is not null)
        {
            if (existing.UserId != userId || existing.Experiment != experiment)
            {
                throw new ArgumentException("The existing assignment belongs to another user or experiment.", nameof(existing));
            }

            return existing;
        }

        return new AbAssignment(newId, userId, experiment, AbTest.Bucket(experiment, userId, buckets), now);
    }
}
