using Teski.Api.Cli;

// One executable: the HTTP API (`serve`, the default) and the operator verbs. Composition root: Hosting/TeskiWebHost.cs.
return await TeskiCli.RunAsync(args, Console.Out, Console.Error);

public partial class Program;
