using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;
using NodaTime.Text;
using Teski.Application.Common.Stores;
using Teski.Application.Memory;

namespace Teski.Application.Common.Mirroring;

/// <summary>
/// A committed write as a fact the other schema can store with its own meaning (the legacy bridge's rules, which
/// the backfill follows too): a mistake, a review, a mastery, an XP award. Written to the primary's backlog in
/// the same transaction as the write, then applied to the mirror store exactly once.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "fact")]
[JsonDerivedType(typeof(MistakeFact), "mistake")]
[JsonDerivedType(typeof(ReviewFact), "review")]
[JsonDerivedType(typeof(MasteredFact), "mastered")]
[JsonDerivedType(typeof(XpFact), "xp")]
public abstract record MirrorFact(UserIdentity User, Instant At)
{
    /// <summary>The per-user ordering key: facts of one person are applied in commit order.</summary>
    public string Stream => User.V2Id is { } v ? "u:" + v.ToString("N") : "l:" + User.LegacyId;

    public string Kind => GetType().Name;

    /// <summary>Applies the fact to <paramref name="store"/>; returns the person as that store knows them.</summary>
    public abstract Task<UserIdentity> ApplyAsync(IStore store, V2RuleSettingsAccessor rules, CancellationToken ct);

    protected static async Task<UserIdentity> ResolveAsync(IStore store, UserIdentity user, Instant at, CancellationToken ct) =>
        await store.Users.ResolveAsync(user.Ref, user, create: true, at, ct)
        ?? throw new InvalidOperationException($"the {store.Kind} store could not resolve user {user.Ref}");

    public string Serialize() => JsonSerializer.Serialize(this, SerializerOptions);

    public static MirrorFact Deserialize(string payload) =>
        JsonSerializer.Deserialize<MirrorFact>(payload, SerializerOptions) ?? throw new JsonException("empty mirror payload");

    public static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        // PostgreSQL's jsonb does not keep key order, so the "fact" discriminator may not come first.
        AllowOutOfOrderMetadataProperties = true,
        Converters = { new InstantJsonConverter() },
    };

    private sealed class InstantJsonConverter : JsonConverter<Instant>
    {
        public override Instant Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            InstantPattern.ExtendedIso.Parse(reader.GetString() ?? "").GetValueOrThrow();

        public override void Write(Utf8JsonWriter writer, Instant value, JsonSerializerOptions options) =>
            writer.WriteStringValue(InstantPattern.ExtendedIso.Format(value));
    }
}

/// <summary>Gives facts the v2 rule settings at apply time (settings are configuration, not part of the fact).</summary>
public sealed class V2RuleSettingsAccessor(Settings.V2RuleSettings v2, Settings.LegacyRuleSettings legacy)
{
    public Settings.V2RuleSettings V2 { get; } = v2;

    public Settings.LegacyRuleSettings Legacy { get; } = legacy;
}

public sealed record MistakeFact(UserIdentity User, Instant At, MistakeEntry Entry) : MirrorFact(User, At)
{
    public override async Task<UserIdentity> ApplyAsync(IStore store, V2RuleSettingsAccessor rules, CancellationToken ct)
    {
        var user = await ResolveAsync(store, User, At, ct);
        await store.Memory.LogMistakeAsync(user, Entry, At, rules.V2, ct);
        return user;
    }
}

/// <summary>A review of a concept: legacy stores it as the card's SM-2 update (correct = grade ≥ 3), v2 as a review with that grade.</summary>
public sealed record ReviewFact(UserIdentity User, Instant At, string Concept, int Grade) : MirrorFact(User, At)
{
    public override async Task<UserIdentity> ApplyAsync(IStore store, V2RuleSettingsAccessor rules, CancellationToken ct)
    {
        var user = await ResolveAsync(store, User, At, ct);
        // A concept the mirror has no item/card for (written before dual-write began) has nothing to update:
        // the backfill carries that history, so this is not an error.
        await store.Memory.ReviewAsync(user, ReviewTarget.ByConcept(Concept), Grade, At, rules.V2, ct);
        return user;
    }
}

public sealed record MasteredFact(UserIdentity User, Instant At, string TemplateCode) : MirrorFact(User, At)
{
    public override async Task<UserIdentity> ApplyAsync(IStore store, V2RuleSettingsAccessor rules, CancellationToken ct)
    {
        var user = await ResolveAsync(store, User, At, ct);
        await store.Memory.MarkMasteredAsync(user, TemplateCode, At, ct);
        return user;
    }
}

public sealed record XpFact(UserIdentity User, Instant At, Guid EventId, int Amount, string Reason) : MirrorFact(User, At)
{
    public override async Task<UserIdentity> ApplyAsync(IStore store, V2RuleSettingsAccessor rules, CancellationToken ct)
    {
        var user = await ResolveAsync(store, User, At, ct);
        await store.Progress.AwardXpAsync(user, EventId, Amount, Reason, At, ct);
        return user;
    }
}
