using NodaTime;
using Teski.Domain.Persona;

namespace Teski.Domain.Tests;

public class PersonaTests
{
    [Theory]
    [InlineData("calm", PersonaKey.Calm)]
    [InlineData("Calm", PersonaKey.Calm)]
    [InlineData("SNARK", PersonaKey.Snark)]
    [InlineData(" coach ", PersonaKey.Coach)]
    [InlineData("Encourager", PersonaKey.Encourager)]
    [InlineData("pirate", PersonaKey.Calm)]
    [InlineData("", PersonaKey.Calm)]
    [InlineData(null, PersonaKey.Calm)]
    public void Persona_keys_parse_case_insensitively_and_default_to_calm(string? value, PersonaKey expected) =>
        PersonaKeys.Parse(value).Should().Be(expected);

    [Fact]
    public void The_default_setting_parses_to_calm()
    {
        PersonaKeys.Parse(PersonaKeys.DefaultSetting).Should().Be(PersonaKey.Calm);
        PersonaKey.Encourager.ToWire().Should().Be("encourager");
    }

    // These exact lines can only hold in every process if the hash does not depend on the process
    // (string.GetHashCode would pick a different line after each restart).
    [Theory]
    [InlineData(PersonaKey.Calm, false, "algebra", "No rush. Let the idea settle first.")]
    [InlineData(PersonaKey.Snark, true, "algebra", "Coffee's optional, this warm-up isn't.")]
    [InlineData(PersonaKey.Coach, false, "fractions", "Focus on the first step; the rest follows.")]
    [InlineData(PersonaKey.Encourager, false, "derivatives", "Mistakes are how you learn. Keep going!")]
    [InlineData(PersonaKey.Encourager, true, "3fa85f64-5717-4562-b3fc-2c963f66afa6", "New day, fresh start. You can do this!")]
    [InlineData(PersonaKey.Calm, true, "Ålgebra", "Warm up slowly; the rest will follow.")]
    [InlineData(PersonaKey.Snark, false, "task-42", "Third time's the charm. Or fourth. Who's counting?")]
    public void Persona_lines_are_chosen_stably_by_context(PersonaKey key, bool warmup, string context, string expected) =>
        PersonaLines.Choose(key, warmup, context).Should().Be(expected);

    [Fact]
    public void Every_persona_has_default_and_warmup_lines()
    {
        foreach (var key in Enum.GetValues<PersonaKey>())
        {
            PersonaLines.Bank(key, warmup: false).Should().HaveCountGreaterThanOrEqualTo(3);
            PersonaLines.Bank(key, warmup: true).Should().HaveCountGreaterThanOrEqualTo(3);
        }
    }

    [Fact]
    public void The_context_is_the_concept_else_the_task_else_the_user()
    {
        var task = Guid.Parse("aaaaaaaa-0000-0000-0000-000000000001");
        var user = Guid.Parse("3FA85F64-5717-4562-B3FC-2C963F66AFA6");

        PersonaLines.ContextKey("algebra", task, user).Should().Be("algebra");
        PersonaLines.ContextKey(" ", task, user).Should().Be("aaaaaaaa-0000-0000-0000-000000000001");
        PersonaLines.ContextKey(null, null, user).Should().Be("3fa85f64-5717-4562-b3fc-2c963f66afa6");
    }

    [Fact]
    public void Persona_state_needs_a_warmup_once_per_local_day()
    {
        var helsinki = DateTimeZoneProviders.Tzdb["Europe/Helsinki"];
        var state = PersonaState.Create(Guid.NewGuid(), Guid.NewGuid(), "calm");
        var morning = Instant.FromUtc(2025, 6, 15, 6, 0);

        state.NeedsWarmup(morning, helsinki).Should().BeTrue();
        state.MarkWarmup(morning);
        state.WarmupTs.Should().Be(morning);
        state.NeedsWarmup(Instant.FromUtc(2025, 6, 15, 20, 59), helsinki).Should().BeFalse(); // 23:59 local
        state.NeedsWarmup(Instant.FromUtc(2025, 6, 15, 21, 0), helsinki).Should().BeTrue(); // local midnight
    }

    [Theory]
    [InlineData(null, 30.0, true, 0, "mood_intervention_v1")]
    [InlineData(null, 2000.0, false, 5, "mood_calm_v1")]
    [InlineData(null, 1440.0, false, 1, "mood_calm_v1")]
    [InlineData(null, 1440.0, false, 2, "mood_snark_v1")]
    [InlineData(null, 61.0, false, 3, "mood_snark_v1")]
    [InlineData(null, 60.0, false, 0, "mood_snark_v1")]
    [InlineData(null, 60.0, false, 1, "mood_disappointed_v1")]
    [InlineData(null, 0.5, false, 0, "mood_snark_v1")]
    [InlineData(null, 0.0, false, 0, "mood_done_v1")]
    [InlineData(null, -30.0, false, 0, "mood_done_v1")]
    [InlineData(null, null, false, 0, "mood_done_v1")]
    [InlineData("mood_calm_v1", 10.0, true, 4, "mood_calm_v1")] // a requested mood wins
    [InlineData("  ", 10.0, true, 0, "mood_intervention_v1")]
    public void Legacy_mood_table(string? requested, double? minutesToDue, bool overdue, int deferrals, string expected) =>
        LegacyMood.Choose(requested, minutesToDue, overdue, deferrals).Should().Be(expected);

    [Theory]
    [InlineData("Go {{e1}}", new[] { "🔥", "🐸" }, "Go 🔥")]
    [InlineData("Eat the frog {{eFrog}}", new[] { "🔥", "🐸" }, "Eat the frog 🐸")]
    [InlineData("Eat the frog {{eFrog}}", new[] { "🔥" }, "Eat the frog 🔥")]
    [InlineData("{{e1}} and {{e1}} {{eFrog}}", new[] { "✨" }, "✨ and ✨ ✨")]
    [InlineData("Go {{e1}} now {{eFrog}}", new string[0], "Go now")]
    [InlineData("No tokens", new string[0], "No tokens")]
    public void Micro_scripts_render_their_emoji_tokens(string template, string[] emoji, string expected) =>
        MicroScript.Render(template, emoji).Should().Be(expected);

    [Fact]
    public void Micro_script_picks_are_stable_and_empty_lists_give_nothing()
    {
        MicroScript.Pick(["first", "second"], "task-42").Should().Be("second");
        MicroScript.Pick(["first", "second"], "fractions").Should().Be("first");
        MicroScript.Pick([], "task-42").Should().BeNull();
    }

    [Fact]
    public void A_legacy_config_is_parsed_with_all_its_parts()
    {
        var config = LegacyPersonaConfig.Parse("""
            {"ui":{"color":"#fff","emojiSet":["🔥","🐸"],"emojiMax":2},"tone":"snarky","style":"playful",
             "reinforcement":{"xpMultiplier":1.5,"streakBonus":5,"nudges":["go"]},
             "microScripts":{"preTask":["p {{e1}}"],"duringTask":[],"postTaskSuccess":["s"],"postTaskFail":["f {{eFrog}}"]},
             "memoryMood":{"level":2}}
            """);

        config.Ui.Should().BeEquivalentTo(new PersonaUi("#fff", ["🔥", "🐸"], 2));
        (config.Tone, config.Style, config.MemoryMoodJson).Should().Be(("snarky", "playful", """{"level":2}"""));
        config.Reinforcement.Should().BeEquivalentTo(new PersonaReinforcement(1.5, 5, ["go"]));
        config.MicroScripts.For("postTaskFail").Should().Equal("f {{eFrog}}");
        config.MicroScripts.For("duringTask").Should().Equal("p {{e1}}"); // no lines: falls back to preTask
        config.MicroScripts.For("unknownPhase").Should().Equal("p {{e1}}");
        config.Nudge("postTaskFail", "any").Should().Be("f 🐸");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("[1,2]")]
    [InlineData("{not json")]
    [InlineData("""{"ui":"red","microScripts":{"preTask":"one line"},"reinforcement":{"xpMultiplier":"x"}}""")]
    public void Unreadable_or_partial_configs_are_tolerated(string? json)
    {
        var config = LegacyPersonaConfig.Parse(json);

        config.Ui.EmojiSet.Should().BeEmpty();
        config.MicroScripts.For("preTask").Should().BeEmpty();
        config.Reinforcement.XpMultiplier.Should().BeNull();
        config.Nudge("preTask", "x").Should().BeNull();
    }

    [Fact]
    public void The_default_personas_cover_every_legacy_mood_with_a_full_config()
    {
        DefaultPersonas.All.Select(p => p.Code).Should().Equal(
            "mood_calm_v1", "mood_snark_v1", "mood_disappointed_v1", "mood_intervention_v1", "mood_done_v1");
        foreach (var persona in DefaultPersonas.All)
        {
            persona.DisplayName.Should().NotBeNullOrWhiteSpace();
            var config = persona.Config;
            config.Ui.Color.Should().NotBeNull();
            config.Ui.EmojiSet.Should().NotBeEmpty();
            config.Tone.Should().NotBeNull();
            config.Style.Should().NotBeNull();
            config.Reinforcement.XpMultiplier.Should().NotBeNull();
            config.Reinforcement.Nudges.Should().NotBeEmpty();
            config.MicroScripts.PreTask.Should().NotBeEmpty();
            config.MemoryMoodJson.Should().NotBeNull();
        }
    }

    [Theory]
    [InlineData("mood_snark_v1", "duringTask", "task-42", "Still here? Impressive 😏")]
    [InlineData("mood_snark_v1", "preTask", "task-42", "Eat the frog before it eats you 🐸")]
    [InlineData("mood_disappointed_v1", "preTask", "task-42", "Start now and it still works out 😔")] // no frog in the set
    [InlineData("mood_done_v1", "postTaskFail", "task-42", "Nothing due right now 🎉")] // empty phase: preTask
    public void Default_persona_nudges_render(string code, string phase, string context, string expected) =>
        DefaultPersonas.All.Single(p => p.Code == code).Config.Nudge(phase, context).Should().Be(expected);
}
