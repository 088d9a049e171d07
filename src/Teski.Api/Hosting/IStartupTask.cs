namespace Teski.Api.Hosting;

/// <summary>
/// Work that must finish before the API serves (create the SQLite directories, migrate the stores, seed personas).
/// Registered tasks run once, in registration order, before Kestrel listens; a failure stops the process.
/// </summary>
public interface IStartupTask
{
    string Name { get; }

    Task RunAsync(CancellationToken cancellationToken);
}

public static class StartupTasks
{
    public static async Task RunStartupTasksAsync(this IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        foreach (var task in scope.ServiceProvider.GetServices<IStartupTask>())
        {
            logger.LogInformation("Startup task {Task}", task.Name);
            await task.RunAsync(cancellationToken);
        }
    }
}
