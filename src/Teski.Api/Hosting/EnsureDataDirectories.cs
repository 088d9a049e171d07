using Teski.Api.Configuration;
using Teski.Infrastructure.Persistence;

namespace Teski.Api.Hosting;

/// <summary>First run with no configuration: the SQLite files live under <c>./data/</c>, which must exist.</summary>
internal sealed class EnsureDataDirectories(TeskiConfiguration configuration) : IStartupTask
{
    public string Name => "ensure data directories";

    public Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var url in new[] { configuration.V2Database, configuration.LegacyDatabase })
        {
            if (url.Provider == DatabaseProvider.Sqlite && Path.GetDirectoryName(url.SqlitePath) is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }
        }
        return Task.CompletedTask;
    }
}
