using Microsoft.Extensions.Configuration;
using Teski.Api.Configuration;
using Teski.Application.Common.Settings;
using Teski.Infrastructure.Persistence;

namespace Teski.Api.Tests;

public sealed class ConfigurationTests
{
    private static TeskiConfiguration Load(params (string Key, string? Value)[] values) =>
        TeskiConfiguration.Load(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, v.Value))).Build());

    [Fact]
    public void Defaults_match_the_product_contract()
    {
        var config = Load();
        config.Flags.Stage.Should().Be(RolloutStage.LegacyOnly);
        config.V2Database.SqlitePath.Should().Be(Path.GetFullPath("./data/teski_v2.db"));
        config.LegacyDatabase.SqlitePath.Should().Be(Path.GetFullPath("./data/app.db"));
        config.UsesDevelopmentKey.Should().BeTrue();
        config.TrustUserHeader.Should().BeFalse();
        config.CorsOrigins.Should().Equal(TeskiConfiguration.DefaultCorsOrigins);
        config.V2Rules.Should().BeEquivalentTo(new V2RuleSettings());
        config.LegacyRules.Should().BeEquivalentTo(new LegacyRuleSettings());
        config.MaxConcurrentRequests.Should().Be(2 * Environment.ProcessorCount);
        config.RequestQueueLimit.Should().Be(1000);
    }

    [Theory]
    [InlineData("TESKI_MEMORY_V2_ENABLED", "maybe")]
    [InlineData("TESKI_DUAL_WRITE", "2")]
    [InlineData("TESKI_MEMORY_V2_DUAL_WRITE", "si")]
    [InlineData("TESKI_TRUST_USER_HEADER", "trust")]
    [InlineData("KILL_SWITCH", "enabled")]
    [InlineData("TESKI_MEMORY_DISABLE", "nope")]
    [InlineData("DAILY_REVIEW_CAP", "ten")]
    [InlineData("DAILY_REVIEW_CAP", "-1")]
    [InlineData("SRS_LEEWAY_MIN", "1.5")]
    [InlineData("XP_BASE", "99999999999")]
    [InlineData("XP_MASTERY_BONUS", "x")]
    [InlineData("AB_BUCKETS", "[\"control\",")]
    [InlineData("AB_BUCKETS", "control,,b")]
    [InlineData("TESKI_MEMORY_HALFLIFE_DAYS", "0")]
    [InlineData("TESKI_MEMORY_HALFLIFE_DAYS", "week")]
    [InlineData("TESKI_SRS_DAILY_CAP", "six")]
    [InlineData("TESKI_SRS_QUEUE_BACKOFF", "-3")]
    [InlineData("TESKI_ASYNC_DB_URL", "mysql://x/y")]
    [InlineData("TESKI_LEGACY_DB_URL", "sqlite://relative")]
    [InlineData("TESKI_MAX_CONCURRENT_REQUESTS", "-1")]
    [InlineData("TESKI_MAX_CONCURRENT_REQUESTS", "many")]
    [InlineData("TESKI_REQUEST_QUEUE_LIMIT", "-5")]
    [InlineData("TESKI_REQUEST_QUEUE_LIMIT", "1e3")]
    [InlineData("TESKI_MIRROR_RETENTION_HOURS", "-1")]
    [InlineData("TESKI_MIRROR_RETENTION_HOURS", "1d")]
    [InlineData("TESKI_CORS_ORIGINS", "teski.app")]
    [InlineData("TESKI_CORS_ORIGINS", "https://teski.app/path")]
    public void Malformed_value_names_its_variable(string variable, string value)
    {
        var act = () => Load((variable, value));
        act.Should().Throw<ConfigurationException>().Which.Variable.Should().Be(variable);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("Yes", true)]
    [InlineData("on", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    [InlineData("OFF", false)]
    [InlineData("", false)]
    public void Booleans_accept_the_usual_spellings(string value, bool expected) =>
        Load(("TESKI_MEMORY_V2_ENABLED", value)).Flags.V2Enabled.Should().Be(expected);

    [Fact]
    public void Dual_write_has_an_alias_and_the_plan_name_wins()
    {
        Load(("TESKI_MEMORY_V2_DUAL_WRITE", "true")).Flags.DualWrite.Should().BeTrue();
        Load(("TESKI_MEMORY_V2_DUAL_WRITE", "true"), ("TESKI_DUAL_WRITE", "false")).Flags.DualWrite.Should().BeFalse();
    }

    [Fact]
    public void Rule_settings_are_read()
    {
        var config = Load(("DAILY_REVIEW_CAP", "30"), ("SRS_LEEWAY_MIN", "5"), ("XP_BASE", "12"), ("XP_MASTERY_BONUS", "70"),
            ("AB_BUCKETS", "[\"a\",\"b\",\"c\"]"), ("PERSONA_DEFAULT", "Coach"), ("KILL_SWITCH", "on"),
            ("TESKI_MEMORY_HALFLIFE_DAYS", "3.5"), ("TESKI_SRS_DAILY_CAP", "9"), ("TESKI_SRS_QUEUE_BACKOFF", "40"), ("TESKI_MEMORY_DISABLE", "1"));
        config.V2Rules.Should().BeEquivalentTo(new V2RuleSettings
        {
            DailyReviewCap = 30,
            SrsLeewayMinutes = 5,
            XpBase = 12,
            XpMasteryBonus = 70,
            AbBuckets = ["a", "b", "c"],
            PersonaDefault = "Coach",
            KillSwitch = true,
        });
        config.LegacyRules.HalfLifeDays.Should().Be(3.5);
        config.LegacyRules.SrsDailyCap.Should().Be(9);
        config.LegacyRules.SrsQueueBackoff.Should().Be(40);
        config.LegacyRules.MemoryDisabled.Should().BeTrue();
        Load(("AB_BUCKETS", " x , y ")).V2Rules.AbBuckets.Should().Equal("x", "y");
    }

    [Fact]
    public void Database_urls_and_cors_origins_are_read()
    {
        var config = Load(("TESKI_ASYNC_DB_URL", "postgresql+asyncpg://teski:pw@db:5433/teski"), ("TESKI_CORS_ORIGINS", "https://a.example/, http://b.example:8080"));
        config.V2Database.Provider.Should().Be(DatabaseProvider.Postgres);
        config.CorsOrigins.Should().Equal("https://a.example", "http://b.example:8080");
    }

    [Fact]
    public void Production_refuses_a_missing_or_weak_secret_key()
    {
        var missing = () => Load(("ENV", "production"));
        missing.Should().Throw<ConfigurationException>().Which.Variable.Should().Be("SECRET_KEY");
        var weak = () => Load(("ENV", "production"), ("TESKI_SECRET_KEY", "short"));
        weak.Should().Throw<ConfigurationException>().Which.Variable.Should().Be("TESKI_SECRET_KEY");
        Load(("ENV", "Production"), ("SECRET_KEY", new string('k', 32))).IsProduction.Should().BeTrue();
    }

    [Fact]
    public void Secret_key_falls_back_to_TESKI_SECRET_KEY()
    {
        var config = Load(("TESKI_SECRET_KEY", "fallback"));
        config.UsesDevelopmentKey.Should().BeFalse();
        config.SecretKey.Should().Equal("fallback"u8.ToArray());
    }
}
