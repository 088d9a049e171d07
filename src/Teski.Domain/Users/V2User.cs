using NodaTime;

namespace Teski.Domain.Users;

/// <summary>A v2 <c>user</c> row.</summary>
public sealed class V2User
{
    public const string DefaultTimezone = "UTC";

    private V2User(Guid id, Instant createdAt)
    {
        Id = id;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public Instant CreatedAt { get; private set; }

    /// <summary>IANA zone name as stored; may be unknown, see <see cref="Zone"/>.</summary>
    public string Timezone { get; private set; } = DefaultTimezone;
    public string? DisplayName { get; private set; }
    public string? Email { get; private set; }
    public int StreakDays { get; private set; }
    public Instant? LastStreakAt { get; private set; }
    public string? Persona { get; private set; }
    public bool IsPro { get; private set; }
    public Instant? ProUntil { get; private set; }
    public string? InstitutionId { get; private set; }
    public bool AnalyticsConsent { get; private set; } = true;
    public bool IsInstitutionAdmin { get; private set; }

    /// <summary>The zone the user's days are counted in (Helsinki when the stored name is unknown).</summary>
    public DateTimeZone Zone => UserDay.ResolveZone(Timezone);

    /// <summary>An unknown v2 user id is created on first use with the configured default persona.</summary>
    public static V2User CreateOnFirstUse(Guid id, Instant now, string defaultPersona) =>
        new(id, now) { Persona = defaultPersona };

    public static V2User Rehydrate(
        Guid id, Instant createdAt, string timezone, string? displayName, string? email, int streakDays,
        Instant? lastStreakAt, string? persona, bool isPro, Instant? proUntil, string? institutionId,
        bool analyticsConsent, bool isInstitutionAdmin) =>
        new(id, createdAt)
        {
            Timezone = timezone,
            DisplayName = displayName,
            Email = email,
            StreakDays = streakDays,
            LastStreakAt = lastStreakAt,
            Persona = persona,
            IsPro = isPro,
            ProUntil = proUntil,
            InstitutionId = institutionId,
            AnalyticsConsent = analyticsConsent,
            IsInstitutionAdmin = isInstitutionAdmin,
        };

    /// <summary>After a review: <paramref name="reviewsToday"/> includes it. Returns whether the streak changed.</summary>
    public StreakUpdate RecordReviewDay(int reviewsToday, Instant now)
    {
        var update = Streak.Apply(StreakDays, LastStreakAt, reviewsToday, now, Zone);
        StreakDays = update.StreakDays;
        LastStreakAt = update.LastStreakAt;
        return update;
    }

    public void ChangePersona(string persona)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(persona);
        Persona = persona;
    }

    public void ChangeTimezone(string iana)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(iana);
        Timezone = iana;
    }

    public void SetAnalyticsConsent(bool consent) => AnalyticsConsent = consent;
}
