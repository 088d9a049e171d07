using System.Globalization;
using Teski.Testing.Migration;

// Usage: dotnet run --project tools/LegacyGen -- --out PATH --users N --mistakes M --tasks T --points P [--seed S] [--no-error-subtype]
//   [--attempts A] [--events E] [--with-row-link]
// Writes a legacy SQLite database (legacy-schema.md) with every edge case the backfill must handle.
// The generator itself is tests/Teski.Testing/Migration/LegacyGenerator.cs (shared with the tests).
string? Get(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
int? Int(string name) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;
if (Get("--out") is not { } output)
{
    Console.Error.WriteLine("usage: LegacyGen --out PATH --users N --mistakes M --tasks T --points P [--seed S] [--no-error-subtype] [--attempts A] [--events E] [--with-row-link]");
    return 2;
}
var users = Int("--users") ?? 100;
var mistakes = Int("--mistakes") ?? 1000;
var options = new LegacyGenOptions(users, mistakes, Int("--tasks") ?? users * 5, Int("--points") ?? mistakes / 2, Int("--seed") ?? 42,
    args.Contains("--no-error-subtype"), Int("--attempts"), Int("--events"), args.Contains("--with-row-link"));
Console.WriteLine(await LegacyGenerator.GenerateAsync(output, options));
return 0;
