using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Teski.Api.Auth;
using Teski.Api.Configuration;
using Teski.Api.Hosting;
using Teski.Application.Common.Identity;
using Teski.Infrastructure.Persistence;

namespace Teski.Api.Cli;

/// <summary>
/// The executable's entry: <c>serve</c> (the default) runs the web host; the other verbs run against a small
/// service provider. Exit codes: 0 success, 1 a check found a problem, 2 bad usage or configuration (including
/// every parse error, which System.CommandLine would report as 1).
/// </summary>
public static class TeskiCli
{
    /// <param name="configuration">Used by the operator verbs instead of appsettings + environment (tests).</param>
    /// <param name="configureServices">Adds or replaces services of the operator verbs (tests, fakes).</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error,
        IConfiguration? configuration = null, Action<IServiceCollection>? configureServices = null, CancellationToken cancellationToken = default)
    {
        var console = new CliConsole(output, error);
        var root = BuildCommands(console, configuration, configureServices);
        var parse = root.Parse(args);
        try
        {
            if (parse.Action is ParseErrorAction || (parse.Errors.Count > 0 && parse.Action is not HelpAction))
            {
                foreach (var parseError in parse.Errors)
                {
                    await error.WriteLineAsync(parseError.Message);
                }
                await error.WriteLineAsync("Run with --help for usage.");
                return CliExitCodes.Usage;
            }
            var serving = parse.CommandResult.Command is RootCommand || parse.CommandResult.Command.Name == "serve";
            // TreatUnmatchedTokensAsErrors is honoured only on the root, which must pass host options through.
            if (!serving && parse.UnmatchedTokens.Count > 0 && parse.Action is not HelpAction)
            {
                await error.WriteLineAsync($"Unrecognized command or argument '{parse.UnmatchedTokens[0]}'.");
                await error.WriteLineAsync("Run with --help for usage.");
                return CliExitCodes.Usage;
            }
            var invocation = new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                // The web host handles SIGINT/SIGTERM itself and shuts down gracefully; do not race it.
                ProcessTerminationTimeout = serving ? null : TimeSpan.FromSeconds(5),
            };
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (ConfigurationException ex)
        {
            await error.WriteLineAsync($"configuration error: {ex.Message}");
            return CliExitCodes.Usage;
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return CliExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("cancelled");
            return CliExitCodes.ProblemFound;
        }
    }

    private static RootCommand BuildCommands(CliConsole console, IConfiguration? configuration, Action<IServiceCollection>? configureServices)
    {
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on (default http://localhost:5000; ASPNETCORE_URLS also works)." };
        var root = new RootCommand("Teski Memory: the HTTP API (serve, the default) and the operator verbs.") { urls };
        // Unknown --key=value tokens are host configuration (ASP.NET Core's convention; WebApplicationFactory relies on it).
        root.TreatUnmatchedTokensAsErrors = false;
        root.SetAction((parse, ct) => ServeAsync(parse, urls, ct));

        var serveUrls = new Option<string?>("--urls") { Description = urls.Description };
        var serve = new Command("serve", "Serve the HTTP API (the default). Unknown --key=value options are passed to the host as configuration.") { serveUrls };
        serve.TreatUnmatchedTokensAsErrors = false;
        serve.SetAction((parse, ct) => ServeAsync(parse, serveUrls, ct));
        root.Subcommands.Add(serve);

        Task<int> Verb(Func<IOperatorVerbs, Task<int>> call) => RunVerbAsync(console, configuration, configureServices, call);

        var migrate = new Command("migrate", "Create or upgrade the v2 tables; adopt a v2 database made by the previous stack. Never alters legacy tables.");
        migrate.SetAction((_, ct) => Verb(v => v.MigrateAsync(new MigrateOptions(), ct)));

        var outDir = new Option<string>("--out") { Description = "Directory to write the backup and its manifest to.", Required = true, HelpName = "DIR" };
        var verifyBackup = new Option<bool>("--verify") { Description = "Restore the copy into a scratch location and check the row counts." };
        var backup = new Command("backup", "A consistent copy of both stores plus a manifest with row counts.") { outDir, verifyBackup };
        backup.SetAction((parse, ct) => Verb(v => v.BackupAsync(new BackupOptions(Path.GetFullPath(parse.GetRequiredValue(outDir)), parse.GetValue(verifyBackup)), ct)));

        var confirm = new Option<bool>("--confirm") { Description = "Required: acknowledges that the legacy tables will be dropped." };
        var dropLegacy = new Command("drop-legacy", "Drop the legacy tables (plan step 8); refuses unless v2 reads are on, dual-write is off, the backlog is empty, a verify passed and a backup exists.") { confirm };
        dropLegacy.SetAction((parse, ct) => parse.GetValue(confirm)
            ? Verb(v => v.DropLegacyAsync(new DropLegacyOptions(true), ct))
            : throw new UsageException("db drop-legacy refuses to run without --confirm"));

        root.Subcommands.Add(new Command("db", "Store maintenance.") { migrate, backup, dropLegacy });

        var dryRun = new Option<bool>("--dry-run") { Description = "Read and report; write nothing." };
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per transaction.", DefaultValueFactory = _ => BackfillOptions.DefaultBatchSize, HelpName = "N" };
        batchSize.CustomParser = r => PositiveInt(r, "--batch-size", int.MaxValue);
        var only = new Option<string?>("--only") { Description = "Comma-separated subset of: " + string.Join(',', BackfillOptions.Entities), HelpName = "LIST" };
        only.Validators.Add(r =>
        {
            var unknown = SplitList(r.GetValueOrDefault<string?>()).Except(BackfillOptions.Entities).ToList();
            if (unknown.Count > 0)
            {
                r.AddError($"--only: unknown entities {string.Join(", ", unknown)} (known: {string.Join(",", BackfillOptions.Entities)})");
            }
        });
        var legacy = new Option<string?>("--legacy") { Description = "Legacy store URL (default TESKI_LEGACY_DB_URL).", HelpName = "URL" };
        var target = new Option<string?>("--target") { Description = "v2 store URL (default TESKI_ASYNC_DB_URL).", HelpName = "URL" };
        var backfill = new Command("backfill", "Copy legacy rows into v2 (idempotent, resumable); ends with the per-entity report.") { dryRun, batchSize, only, legacy, target };
        backfill.SetAction((parse, ct) =>
        {
            var list = SplitList(parse.GetValue(only)).ToList();
            var options = new BackfillOptions(
                parse.GetValue(dryRun),
                parse.GetValue(batchSize),
                list.Count == 0 ? null : list,
                parse.GetValue(legacy) is { } l ? DatabaseUrl.Parse("--legacy", l) : null,
                parse.GetValue(target) is { } t ? DatabaseUrl.Parse("--target", t) : null);
            return Verb(v => v.BackfillAsync(options, ct));
        });
        root.Subcommands.Add(backfill);

        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var verify = new Command("verify", "Compare legacy and v2 through the maps; exit 1 on any unexplained difference.") { json };
        verify.SetAction((parse, ct) => Verb(v => v.VerifyAsync(new VerifyOptions(parse.GetValue(json)), ct)));
        root.Subcommands.Add(verify);

        var status = new Command("status", "The flags, the stage they amount to, mirror backlog and lag, the last verify result.");
        status.SetAction((_, ct) => Verb(v => v.RolloutStatusAsync(new RolloutStatusOptions(), ct)));
        root.Subcommands.Add(new Command("rollout", "Migration rollout.") { status });

        var user = new Option<string>("--user") { Description = "Legacy integer user id or v2 UUID (the token's sub).", Required = true, HelpName = "ID" };
        var hours = new Option<int>("--hours") { Description = "Token lifetime in hours.", DefaultValueFactory = _ => (int)DevTokens.DefaultLifetime.TotalHours };
        hours.CustomParser = r => PositiveInt(r, "--hours", 24 * 30);
        var token = new Command("token", "Print a signed bearer token for local use (refused when ENV=production).") { user, hours };
        token.SetAction((parse, _) => DevTokenAsync(console, configuration, configureServices, parse.GetRequiredValue(user), parse.GetValue(hours)));
        root.Subcommands.Add(new Command("dev", "Local development helpers.") { token });

        return root;
    }

    private static async Task<int> ServeAsync(ParseResult parse, Option<string?> urls, CancellationToken cancellationToken)
    {
        var hostArgs = HostArguments(parse.UnmatchedTokens);
        if (parse.GetValue(urls) is { } u)
        {
            hostArgs.Add("--urls=" + u);
        }
        var app = TeskiWebHost.Build([.. hostArgs]);
        await TeskiWebHost.RunAsync(app, cancellationToken);
        return CliExitCodes.Success;
    }

    /// <summary>Accepts <c>--key=value</c> and <c>--key value</c> (host configuration); anything else is a usage error.</summary>
    private static List<string> HostArguments(IReadOnlyList<string> tokens)
    {
        var args = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (!t.StartsWith("--", StringComparison.Ordinal) || t.Length == 2)
            {
                throw new UsageException($"Unrecognized command or argument '{t}'. Run with --help for usage.");
            }
            if (t.Contains('=', StringComparison.Ordinal))
            {
                args.Add(t);
            }
            else if (i + 1 < tokens.Count && !tokens[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                args.Add(t + "=" + tokens[++i]);
            }
            else
            {
                throw new UsageException($"Unrecognized option '{t}'. Run with --help for usage.");
            }
        }
        return args;
    }

    private static async Task<int> RunVerbAsync(CliConsole console, IConfiguration? configuration, Action<IServiceCollection>? configureServices, Func<IOperatorVerbs, Task<int>> call)
    {
        await using var services = CliServices.Build(configuration ?? CliServices.DefaultConfiguration(), console, configureServices);
        // Parse the whole configuration before doing anything, so a bad value is a usage error naming its variable.
        _ = services.GetRequiredService<TeskiConfiguration>();
        return await call(services.GetRequiredService<IOperatorVerbs>());
    }

    private static async Task<int> DevTokenAsync(CliConsole console, IConfiguration? configuration, Action<IServiceCollection>? configureServices, string user, int hours)
    {
        await using var services = CliServices.Build(configuration ?? CliServices.DefaultConfiguration(), console, configureServices);
        var config = services.GetRequiredService<TeskiConfiguration>();
        if (config.IsProduction)
        {
            throw new UsageException("dev token is refused when ENV=production");
        }
        if (!UserRef.TryParse(user, out var subject))
        {
            throw new UsageException($"--user '{user}' is neither a legacy integer user id nor a UUID");
        }
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        await console.Out.WriteLineAsync(DevTokens.Create(config, subject, now, TimeSpan.FromHours(hours)));
        if (config.UsesDevelopmentKey)
        {
            await console.Error.WriteLineAsync("note: signed with the built-in development key (SECRET_KEY is not set)");
        }
        return CliExitCodes.Success;
    }

    private static int PositiveInt(System.CommandLine.Parsing.ArgumentResult result, string name, int max)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 && value <= max)
        {
            return value;
        }
        result.AddError($"{name} must be an integer between 1 and {max}, got '{token}'");
        return 0;
    }

    private static IEnumerable<string> SplitList(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant());
}

/// <summary>Bad usage detected after parsing; the CLI prints the message and exits 2.</summary>
public sealed class UsageException(string message) : Exception(message);
