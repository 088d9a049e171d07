namespace Teski.Domain.Persona;

/// <summary>A row of the legacy <c>personas</c> table as seeded into a new database.</summary>
public sealed record DefaultPersona(string Code, string DisplayName, string ConfigJson)
{
    public LegacyPersonaConfig Config => LegacyPersonaConfig.Parse(ConfigJson);
}

/// <summary>
/// The five mood personas the legacy nudges choose between (<see cref="LegacyMood"/>); seeded into new databases
/// so that every mood the chooser can return has a row to read its micro-scripts from.
/// </summary>
public static class DefaultPersonas
{
    public static IReadOnlyList<DefaultPersona> All { get; } =
    [
        new(LegacyMood.Calm, "Calm Guide", """
            {
              "ui": { "color": "#4A90D9", "emojiSet": ["🌿", "🐸", "☕"], "emojiMax": 1 },
              "tone": "calm",
              "style": "gentle",
              "reinforcement": { "xpMultiplier": 1.0, "streakBonus": 5, "nudges": ["You have plenty of time.", "A small start now keeps it easy later."] },
              "microScripts": {
                "preTask": ["Plenty of time. Start with a small step {{e1}}", "Open it up and read the first part {{eFrog}}"],
                "duringTask": ["Steady pace, you're doing fine {{e1}}"],
                "postTaskSuccess": ["Nicely done. Enjoy the break {{e1}}"],
                "postTaskFail": ["That's alright. Try again when you're ready {{e1}}"]
              },
              "memoryMood": "calm"
            }
            """),
        new(LegacyMood.Snark, "Snarky Sidekick", """
            {
              "ui": { "color": "#F5A623", "emojiSet": ["😏", "🐸", "🙄"], "emojiMax": 2 },
              "tone": "snarky",
              "style": "playful",
              "reinforcement": { "xpMultiplier": 1.1, "streakBonus": 5, "nudges": ["That deadline isn't getting any further away.", "Bold strategy, waiting. Let's see how it plays out."] },
              "microScripts": {
                "preTask": ["Oh, we're doing this today? Bold {{e1}}", "Eat the frog before it eats you {{eFrog}}"],
                "duringTask": ["Still here? Impressive {{e1}}"],
                "postTaskSuccess": ["Look at you, finishing things {{e1}}"],
                "postTaskFail": ["Well, that happened. Again? {{e1}}"]
              },
              "memoryMood": "snark"
            }
            """),
        new(LegacyMood.Disappointed, "Disappointed Mentor", """
            {
              "ui": { "color": "#9B9B9B", "emojiSet": ["😔", "⏳"], "emojiMax": 1 },
              "tone": "disappointed",
              "style": "direct",
              "reinforcement": { "xpMultiplier": 1.0, "streakBonus": 3, "nudges": ["Less than an hour left.", "You said later. It is later."] },
              "microScripts": {
                "preTask": ["Under an hour left. Let's not do this again {{e1}}", "Start now and it still works out {{eFrog}}"],
                "duringTask": ["Keep going, no more breaks {{e1}}"],
                "postTaskSuccess": ["Done, just in time. Next time, earlier {{e1}}"],
                "postTaskFail": ["Not this time. Plan it earlier next time {{e1}}"]
              },
              "memoryMood": "disappointed"
            }
            """),
        new(LegacyMood.Intervention, "Intervention", """
            {
              "ui": { "color": "#D0021B", "emojiSet": ["🚨", "🆘"], "emojiMax": 1 },
              "tone": "urgent",
              "style": "firm",
              "reinforcement": { "xpMultiplier": 1.0, "streakBonus": 0, "nudges": ["This is overdue. Ask for an extension or submit what you have.", "Ten focused minutes now beats none."] },
              "microScripts": {
                "preTask": ["This is overdue. Submit what you have now {{e1}}", "Overdue: message your teacher or finish it now {{eFrog}}"],
                "duringTask": ["Stay on it until it's in {{e1}}"],
                "postTaskSuccess": ["Submitted. Crisis over {{e1}}"],
                "postTaskFail": ["Reach out for help today, don't stay stuck {{e1}}"]
              },
              "memoryMood": "intervention"
            }
            """),
        new(LegacyMood.Done, "All Done", """
            {
              "ui": { "color": "#7ED321", "emojiSet": ["🎉", "✅"], "emojiMax": 2 },
              "tone": "celebratory",
              "style": "brief",
              "reinforcement": { "xpMultiplier": 1.0, "streakBonus": 5, "nudges": ["Nothing pressing. Enjoy it."] },
              "microScripts": {
                "preTask": ["Nothing due right now {{e1}}"],
                "duringTask": [],
                "postTaskSuccess": ["All done. Well earned {{e1}}"],
                "postTaskFail": []
              },
              "memoryMood": "done"
            }
            """),
    ];
}
