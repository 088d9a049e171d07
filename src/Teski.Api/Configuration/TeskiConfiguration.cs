using System.Text;
using Teski.Application.Common.Settings;
using Teski.Infrastructure.Persistence;

namespace Teski.Api.Configuration;

/// <summary>
/// Everything the process reads from its environment (product-contract.md, "Configuration"), parsed once and
/// validated as a whole. Environment variables and <c>appsettings*.json</c> arrive through <see cref="IConfiguration"/>
/// under the same flat names (<c>TESKI_MEMORY_V2_ENABLED</c>, <c>SECRET_KEY</c>, ...).
/// </summary>
public sealed record TeskiConfiguration
{
    public const string DefaultV2DatabaseUrl = "sqlite:///./data/teski_v2.db";
    public const string DefaultLegacyDatabaseUrl = "sqlite:///./data/app.db";

    /// <summary>HS256 needs a 256-bit key; the production check and the zero-padding below both use this size.</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>Used only outside production, so a fresh checkout can serve without configuration.</summary>
    internal const string DevelopmentSecretKey = "teski-development-key-do-not-use-in-production";

    public static readonly IReadOnlyList<string> DefaultCorsOrigins =
    [
        "https://teski.app",
        "https://www.teski.app",
        "http://localhost:5173",
        "http://127.0.0.1:5173",
        "http://localhost:4173",
        "http://127.0.0.1:4173",
    ];

    /// <summary><c>ENV</c>, lower-cased; empty when unset.</summary>
    public required string Environment { get; init; }

    public bool IsProduction => Environment is "production" or "prod";

    /// <summary><c>TESKI_ASYNC_DB_URL</c>.</summary>
    public required DatabaseUrl V2Database { get; init; }

    /// <summary><c>TESKI_LEGACY_DB_URL</c>.</summary>
    public required DatabaseUrl LegacyDatabase { get; init; }

    public required MigrationFlags Flags { get; init; }

    public required V2RuleSettings V2Rules { get; init; }

    public required LegacyRuleSettings LegacyRules { get; init; }

    /// <summary><c>SECRET_KEY</c> (fallback <c>TESKI_SECRET_KEY</c>) as UTF-8 bytes, exactly as the legacy app used it.</summary>
    public required byte[] SecretKey { get; init; }

    /// <summary>True when no key was configured and the development key is in use.</summary>
    public required bool UsesDevelopmentKey { get; init; }

    /// <summary><c>TESKI_CORS_ORIGINS</c>.</summary>
    public required IReadOnlyList<string> CorsOrigins { get; init; }

    /// <summary><c>TESKI_TRUST_USER_HEADER</c>: accept <c>X-User-Id</c> / <c>user_id</c> without a token.</summary>
    public required bool TrustUserHeader { get; init; }

    /// <summary><c>TESKI_SHADOW_READ_FRACTION</c> (0..1): share of shadowed reads in dual-write stages; null = the default (0.1).</summary>
    public double? ShadowReadFraction { get; init; }

    /// <summary>
    /// <c>TESKI_MAX_CONCURRENT_REQUESTS</c>: API requests served at once by this instance; the rest wait in a FIFO
    /// queue (<see cref="RequestQueueLimit"/>). 0 = no limit. Default <see cref="DefaultMaxConcurrentRequests"/>.
    /// </summary>
    public int MaxConcurrentRequests { get; init; } = DefaultMaxConcurrentRequests;

    /// <summary><c>TESKI_REQUEST_QUEUE_LIMIT</c>: API requests allowed to wait for a slot; beyond it, 503 with Retry-After.</summary>
    public int RequestQueueLimit { get; init; } = DefaultRequestQueueLimit;

    /// <summary>
    /// <c>TESKI_MIRROR_RETENTION_HOURS</c>: how long an outbox keeps a record after it was applied; older ones are
    /// pruned by the mirror's periodic pass (0: on its next minute). Default 24.
    /// </summary>
    public int MirrorRetentionHours { get; init; } = DefaultMirrorRetentionHours;

    public static int DefaultMirrorRetentionHours => (int)Teski.Application.Common.Mirroring.MirrorRetention.DefaultKeep.TotalHours;

    /// <summary>
    /// Twice the processor count (4 on a 2-core machine): the database and this process share the cores, and more
    /// requests in flight only add context switches and lock waits to every request's latency (ADR 0010).
    /// </summary>
    public static int DefaultMaxConcurrentRequests => 2 * System.Environment.ProcessorCount;

    public const int DefaultRequestQueueLimit = 1000;

    /// <summary>
    /// The HMAC key handed to the token library. Microsoft.IdentityModel refuses HS256 keys under 256 bits, but
    /// the legacy app may have signed with a shorter <c>SECRET_KEY</c> outside production. HMAC right-pads any
    /// key shorter than the hash block with zero bytes (RFC 2104), so padding to 32 bytes yields the same MACs
    /// and legacy tokens keep validating.
    /// </summary>
    public byte[] SigningKeyBytes()
    {
        if (SecretKey.Length >= MinimumKeyBytes)
        {
            return SecretKey;
        }
        var padded = new byte[MinimumKeyBytes];
        SecretKey.CopyTo(padded, 0);
        return padded;
    }

    /// <summary>Reads and validates everything; the first bad value throws <see cref="ConfigurationException"/> naming its variable.</summary>
    public static TeskiConfiguration Load(IConfiguration configuration)
    {
        var env = new EnvironmentReader(configuration);
        var environment = (env.String("ENV") ?? "").Trim().ToLowerInvariant();
        var isProduction = environment is "production" or "prod";

        var secretVariable = env.String("SECRET_KEY") is not null ? "SECRET_KEY" : "TESKI_SECRET_KEY";
        var secret = env.String(secretVariable);
        if (secret is null)
        {
            if (isProduction)
            {
                throw new ConfigurationException("SECRET_KEY", "is required when ENV=production (the development key is refused)");
            }
        }
        else if (isProduction && Encoding.UTF8.GetByteCount(secret) < MinimumKeyBytes)
        {
            throw new ConfigurationException(secretVariable, $"is too weak for ENV=production (at least {MinimumKeyBytes} bytes)");
        }

        var dualWriteVariable = env.String("TESKI_DUAL_WRITE") is not null ? "TESKI_DUAL_WRITE" : "TESKI_MEMORY_V2_DUAL_WRITE";

        var v2Defaults = new V2RuleSettings();
        var legacyDefaults = new LegacyRuleSettings();
        return new TeskiConfiguration
        {
            Environment = environment,
            V2Database = DatabaseUrl.Parse("TESKI_ASYNC_DB_URL", env.String("TESKI_ASYNC_DB_URL") ?? DefaultV2DatabaseUrl),
            LegacyDatabase = DatabaseUrl.Parse("TESKI_LEGACY_DB_URL", env.String("TESKI_LEGACY_DB_URL") ?? DefaultLegacyDatabaseUrl),
            Flags = new MigrationFlags(
                V2Enabled: env.Bool("TESKI_MEMORY_V2_ENABLED", false),
                DualWrite: env.Bool(dualWriteVariable, false)),
            V2Rules = new V2RuleSettings
            {
                DailyReviewCap = env.Int("DAILY_REVIEW_CAP", v2Defaults.DailyReviewCap, min: 0),
                SrsLeewayMinutes = env.Int("SRS_LEEWAY_MIN", v2Defaults.SrsLeewayMinutes, min: 0),
                XpBase = env.Int("XP_BASE", v2Defaults.XpBase, min: 0),
                XpMasteryBonus = env.Int("XP_MASTERY_BONUS", v2Defaults.XpMasteryBonus, min: 0),
                AbBuckets = env.List("AB_BUCKETS") ?? v2Defaults.AbBuckets,
                PersonaDefault = env.NonEmpty("PERSONA_DEFAULT") ?? v2Defaults.PersonaDefault,
                KillSwitch = env.Bool("KILL_SWITCH", false),
            },
            LegacyRules = new LegacyRuleSettings
            {
                HalfLifeDays = env.Double("TESKI_MEMORY_HALFLIFE_DAYS", legacyDefaults.HalfLifeDays, exclusiveMin: 0),
                SrsDailyCap = env.Int("TESKI_SRS_DAILY_CAP", legacyDefaults.SrsDailyCap, min: 0),
                SrsQueueBackoff = env.Int("TESKI_SRS_QUEUE_BACKOFF", legacyDefaults.SrsQueueBackoff, min: 0),
                MemoryDisabled = env.Bool("TESKI_MEMORY_DISABLE", false),
                SrsEasiness = env.Double("TESKI_SRS_EASINESS", legacyDefaults.SrsEasiness, exclusiveMin: 0),
                WarmupMax = env.Int("TESKI_WARMUP_MAX", legacyDefaults.WarmupMax, min: 0),
            },
            SecretKey = Encoding.UTF8.GetBytes(secret ?? DevelopmentSecretKey),
            UsesDevelopmentKey = secret is null,
            CorsOrigins = CheckOrigins(env.List("TESKI_CORS_ORIGINS")) ?? DefaultCorsOrigins,
            TrustUserHeader = env.Bool("TESKI_TRUST_USER_HEADER", false),
            MaxConcurrentRequests = env.Int("TESKI_MAX_CONCURRENT_REQUESTS", DefaultMaxConcurrentRequests, min: 0),
            RequestQueueLimit = env.Int("TESKI_REQUEST_QUEUE_LIMIT", DefaultRequestQueueLimit, min: 0),
            MirrorRetentionHours = env.Int("TESKI_MIRROR_RETENTION_HOURS", DefaultMirrorRetentionHours, min: 0),
            ShadowReadFraction = env.String("TESKI_SHADOW_READ_FRACTION") is null ? null : CheckFraction(env.Double("TESKI_SHADOW_READ_FRACTION", 0, exclusiveMin: double.NegativeInfinity)),
        };
    }

    private static double CheckFraction(double value) => value is >= 0 and <= 1
        ? value
        : throw new ConfigurationException("TESKI_SHADOW_READ_FRACTION", $"must be between 0 and 1, got {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    private static IReadOnlyList<string>? CheckOrigins(IReadOnlyList<string>? origins)
    {
        if (origins is null)
        {
            return null;
        }
        foreach (var origin in origins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.PathAndQuery != "/")
            {
                throw new ConfigurationException("TESKI_CORS_ORIGINS", $"has '{origin}', which is not an origin like https://teski.app");
            }
        }
        // Browsers send the origin without a trailing slash; compare like with like.
        return [.. origins.Select(o => o.TrimEnd('/'))];
    }
}
