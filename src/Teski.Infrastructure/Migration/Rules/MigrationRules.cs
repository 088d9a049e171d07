using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NodaTime;
using Teski.Domain.Common;
using Teski.Infrastructure.Legacy;

namespace Teski.Infrastructure.Migration.Rules;

/// <summary>How a legacy owner string (<c>task.owner_user_id</c>, <c>analytics_events.user_id</c>) resolved.</summary>
public readonly record struct OwnerResolution(long? LegacyUserId, string? OrphanReason)
{
    public bool Resolved => LegacyUserId is not null;
}

/// <summary>A legacy mistake turned into v2 values (migration-rules.md, "Mistake").</summary>
public sealed record MistakeValues(string Concept, string Subtype, string Raw, Instant CreatedAt);

/// <summary>The schedule a new memory item starts with.</summary>
public sealed record MemorySchedule(double Ease, int IntervalDays, Instant DueAt, double Stability, double Difficulty, int Lapses);

/// <summary>
/// The legacy → v2 value rules of migration-rules.md as pure functions, shared by the backfill, the verifier
/// and the dual-write mirror so that all three agree on every value.
/// </summary>
public static class MigrationRules
{
    public const string DefaultPersona = "calm";

    /// <summary>The domain of the placeholder emails the mirror gives legacy users created for v2-only people (docs/api.md).</summary>
    public const string SyntheticEmailDomain = "@users.teski.invalid";

    /// <summary>A v2-only person mirrored into legacy got a placeholder email; it is not theirs, so it does not travel back.</summary>
    public static string? CarriedEmail(string? legacyEmail) =>
        legacyEmail is not null && legacyEmail.EndsWith(SyntheticEmailDomain, StringComparison.OrdinalIgnoreCase) ? null : legacyEmail;
    public const string UnknownConcept = "unknown";
    public const double DefaultEase = 2.5;
    public const int DefaultIntervalDays = 1;
    public const double DefaultStability = 0.0;
    public const double DefaultDifficulty = 0.3;
    public const double MinEase = 1.3;
    public const int CorrectGrade = 5;
    public const int FailedGrade = 2;

    // ---- identity -------------------------------------------------------------------------------

    /// <summary>
    /// The v2 id of a legacy user: an existing <c>legacy_user_map</c> row wins; else a valid UUID
    /// <c>external_user_id</c> (clients already know the user by it); else <c>StableId.For("user", id)</c>.
    /// </summary>
    public static Guid UserId(long legacyId, string? externalUserId, Guid? existingMap = null)
    {
        if (existingMap is { } mapped)
        {
            return mapped;
        }
        return TryParseUuid(externalUserId, out var ext) ? ext : StableId.For("user", legacyId);
    }

    /// <summary>Strict UUID check: 32 hex digits with or without hyphens/braces; the nil UUID is not an identity.</summary>
    public static bool TryParseUuid(string? text, out Guid id)
    {
        id = Guid.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var t = text.Trim();
        var ok = Guid.TryParseExact(t, "D", out id) || Guid.TryParseExact(t, "N", out id) || Guid.TryParseExact(t, "B", out id);
        return ok && id != Guid.Empty;
    }

    /// <summary>
    /// <c>owner_user_id</c> resolution: digits → that legacy user id; a UUID → the user whose
    /// <c>external_user_id</c> it is; anything else, or a user that does not exist → orphan.
    /// </summary>
    public static OwnerResolution ResolveOwner(string? owner, Func<long, bool> legacyUserExists, Func<Guid, long?> userByExternalId)
    {
        if (string.IsNullOrWhiteSpace(owner))
        {
            return new(null, "owner missing");
        }
        var t = owner.Trim();
        if (t.All(char.IsAsciiDigit))
        {
            return long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && legacyUserExists(id)
                ? new(id, null)
                : new(null, "owner is an unknown user id");
        }
        if (TryParseUuid(t, out var ext))
        {
            return userByExternalId(ext) is { } legacy ? new(legacy, null) : new(null, "owner is an unknown external user id");
        }
        return new(null, "owner unparseable");
    }

    /// <summary>A memory item's id: one item per (user, concept); an existing item for the pair wins over this id.</summary>
    public static Guid MemoryItemId(Guid userId, string concept) => StableId.For("memoryitem", StableId.Canonical(userId) + ":" + concept);

    public static Guid PersonaStateId(Guid userId) => StableId.For("personastate", StableId.Canonical(userId));

    /// <summary>Ids minted by <see cref="StableId"/> are RFC 9562 version 5; the old bridge used random (v4) ids.</summary>
    public static bool IsStableId(Guid id)
    {
        Span<byte> b = stackalloc byte[16];
        id.TryWriteBytes(b, bigEndian: true, out _);
        return (b[6] >> 4) == 5;
    }

    // ---- values ---------------------------------------------------------------------------------

    /// <summary><c>concept</c> = template_code, else <c>skill:&lt;skill_id&gt;</c>, else <c>unknown</c> (blank codes count as absent).</summary>
    public static string Concept(string? templateCode, long? skillId) =>
        !string.IsNullOrWhiteSpace(templateCode) ? templateCode
        : skillId is { } s ? "skill:" + s.ToString(CultureInfo.InvariantCulture)
        : UnknownConcept;

    /// <summary><c>legacy:&lt;error_subtype or error_type or other&gt;</c>, kept as is when it already holds a ':'.</summary>
    public static string Subtype(string? errorSubtype, string? errorType)
    {
        var s = !string.IsNullOrWhiteSpace(errorSubtype) ? errorSubtype.Trim()
            : !string.IsNullOrWhiteSpace(errorType) ? errorType.Trim()
            : "other";
        return s.Contains(':', StringComparison.Ordinal) ? s : "legacy:" + s;
    }

    /// <summary>
    /// JSON text carried over verbatim when valid. SQL NULL and JSON <c>null</c> carry no data and become
    /// <c>{}</c> (the v2 columns are NOT NULL); invalid JSON is kept inside <c>{"raw": "&lt;original&gt;"}</c>.
    /// </summary>
    public static string JsonText(object? value)
    {
        if (value is null or DBNull)
        {
            return "{}";
        }
        var text = value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        if (IsValidJson(text, out var isNull))
        {
            return isNull ? "{}" : text;
        }
        return WrapRaw(text);
    }

    public static string WrapRaw(string original)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("raw", original);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static bool IsValidJson(string text, out bool isNull)
    {
        isNull = false;
        if (string.IsNullOrWhiteSpace(text) || LegacyJson.CannotBeJson(text))
        {
            return false;
        }
        try
        {
            using var doc = JsonDocument.Parse(text);
            isNull = doc.RootElement.ValueKind == JsonValueKind.Null;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static MistakeValues Mistake(string? templateCode, long? skillId, string? errorSubtype, string? errorType, object? detail, Instant occurredAt) =>
        new(Concept(templateCode, skillId), Subtype(errorSubtype, errorType), JsonText(detail), occurredAt);

    /// <summary>
    /// A memory item's starting schedule. With a review card: <c>ease = max(1.3, easiness)</c>,
    /// <c>interval = max(1, round(last_interval_days))</c> rounding half to even (the v2 scheduler's rounding,
    /// so 2.5 → 2), <c>due_at = next_review_at</c>; stability/difficulty/lapses keep the v2 defaults (the card's
    /// stability is on another scale; lapses come from the replayed reviews). Without one: the plan's defaults.
    /// </summary>
    public static MemorySchedule MemoryFromCard(double? easiness, double? lastIntervalDays, Instant? nextReviewAt, Instant migrationTime)
    {
        if (easiness is null && lastIntervalDays is null && nextReviewAt is null)
        {
            return DefaultMemory(migrationTime);
        }
        var ease = Math.Max(MinEase, easiness ?? DefaultEase);
        var interval = (int)Math.Max(1, Math.Round(lastIntervalDays ?? 0, MidpointRounding.ToEven));
        return new MemorySchedule(ease, interval, nextReviewAt ?? migrationTime, DefaultStability, DefaultDifficulty, 0);
    }

    public static MemorySchedule DefaultMemory(Instant migrationTime) =>
        new(DefaultEase, DefaultIntervalDays, migrationTime, DefaultStability, DefaultDifficulty, 0);

    /// <summary>Replayed attempt → review grade (the legacy SM-2 quality: 5 correct, 2 not).</summary>
    public static int ReplayGrade(bool isCorrect) => isCorrect ? CorrectGrade : FailedGrade;

    /// <summary>
    /// A replayed review's schedule columns. The legacy store never recorded when an attempt was due, so
    /// <c>scheduled_for = reviewed_at</c> and <c>delta_seconds = 0</c> ("on time, schedule unknown"), and
    /// <c>next_due_at = reviewed_at + 1 day</c> (the v2 interval after a lapse, a lower bound after a success).
    /// The item's real current schedule comes from its review card, not from this replay.
    /// </summary>
    public static (Instant ScheduledFor, Instant NextDueAt, int DeltaSeconds) ReplaySchedule(Instant reviewedAt) =>
        (reviewedAt, reviewedAt + Duration.FromDays(1), 0);

    public static bool IsLapse(int grade) => grade < 3;

    /// <summary>XP reason: the legacy <c>event_type</c> through the configured map, identity by default.</summary>
    public static string XpReason(string? eventType, IReadOnlyDictionary<string, string>? reasonMap)
    {
        var t = eventType ?? "";
        return reasonMap is not null && reasonMap.TryGetValue(t, out var mapped) ? mapped : t;
    }

    /// <summary>
    /// Legacy reminder persona → v2 persona key: persona codes like <c>mood_snark_v1</c> become <c>snark</c>,
    /// keys are lowercased; any other value is kept (v2 treats unknown keys as calm at read time, and the value
    /// is not dropped). Blank → the default.
    /// </summary>
    public static string Persona(string? legacyPersona, string defaultPersona = DefaultPersona)
    {
        if (string.IsNullOrWhiteSpace(legacyPersona))
        {
            return defaultPersona;
        }
        var p = legacyPersona.Trim().ToLowerInvariant();
        if (p.StartsWith("mood_", StringComparison.Ordinal))
        {
            var rest = p[5..];
            var v = rest.LastIndexOf("_v", StringComparison.Ordinal);
            if (v > 0 && rest[(v + 2)..].All(char.IsAsciiDigit) && rest.Length > v + 2)
            {
                rest = rest[..v];
            }
            p = rest;
        }
        return p.Length == 0 ? defaultPersona : p;
    }

    /// <summary>The legacy task columns without a v2 column, kept as one JSON object (keys = legacy column names, values as stored).</summary>
    public static readonly string[] TaskDetailColumns =
        ["source", "status", "priority", "confidence", "link", "notes", "task_type", "estimated_minutes", "suggested_start_utc", "signals_json", "completed_at"];

    public static string TaskDetail(IReadOnlyList<object?> valuesInTaskDetailColumnOrder)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            for (var i = 0; i < TaskDetailColumns.Length; i++)
            {
                var name = TaskDetailColumns[i];
                switch (valuesInTaskDetailColumnOrder[i])
                {
                    case null or DBNull:
                        w.WriteNull(name);
                        break;
                    case string s:
                        w.WriteString(name, s);
                        break;
                    case long l:
                        w.WriteNumber(name, l);
                        break;
                    case int n:
                        w.WriteNumber(name, n);
                        break;
                    case double d:
                        w.WriteNumber(name, d);
                        break;
                    case float f:
                        w.WriteNumber(name, f);
                        break;
                    case decimal m:
                        w.WriteNumber(name, m);
                        break;
                    case bool b:
                        w.WriteBoolean(name, b);
                        break;
                    case DateTime dt:
                        // PostgreSQL legacy: the text SQLAlchemy would have written on SQLite.
                        w.WriteString(name, dt.ToString("yyyy'-'MM'-'dd' 'HH':'mm':'ss'.'ffffff", CultureInfo.InvariantCulture));
                        break;
                    case var other:
                        w.WriteString(name, Convert.ToString(other, CultureInfo.InvariantCulture));
                        break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>JSON compared by meaning: object keys sorted, whitespace dropped (PostgreSQL jsonb reorders keys).</summary>
    public static string CanonicalJson(string? json)
    {
        if (json is null)
        {
            return "";
        }
        if (!LegacyJson.TryParse(json, out var node))
        {
            // Text that is not JSON (a v2 mistake's plain `raw`) means what the legacy side stores for it: {"raw": text}.
            // Comparing that form keeps a mirrored plain-text mistake equal to its legacy copy.
            return CanonicalJson(WrapRaw(json));
        }
        var sb = new StringBuilder();
        Write(node, sb);
        return sb.ToString();

        static void Write(JsonNode? n, StringBuilder sb)
        {
            switch (n)
            {
                case null:
                    sb.Append("null");
                    break;
                case JsonObject o:
                    sb.Append('{');
                    var first = true;
                    foreach (var kv in o.OrderBy(k => k.Key, StringComparer.Ordinal))
                    {
                        if (!first)
                        {
                            sb.Append(',');
                        }
                        first = false;
                        sb.Append(JsonSerializer.Serialize(kv.Key)).Append(':');
                        Write(kv.Value, sb);
                    }
                    sb.Append('}');
                    break;
                case JsonArray a:
                    sb.Append('[');
                    for (var i = 0; i < a.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(',');
                        }
                        Write(a[i], sb);
                    }
                    sb.Append(']');
                    break;
                case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                    // 1, 1.0 and 1e0 are one number; jsonb keeps the text but other stores may not.
                    sb.Append(v.GetValue<JsonElement>().GetDouble().ToString("R", CultureInfo.InvariantCulture));
                    break;
                default:
                    sb.Append(n.ToJsonString());
                    break;
            }
        }
    }
}
