using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Teski.Api.Configuration;

/// <summary>
/// The <c>appsettings.json</c> shipped next to the executable (log levels and other defaults). The host's content root
/// is the directory the operator runs it from (so <c>./data/</c> lands there), where that file usually is not; it is
/// added as the lowest-priority source, so an <c>appsettings.json</c> in the working directory and environment
/// variables still override it.
/// </summary>
internal static class ShippedSettings
{
    public const string FileName = "appsettings.json";

    public static IConfigurationBuilder AddShippedSettings(this IConfigurationBuilder configuration)
    {
        var directory = AppContext.BaseDirectory;
        if (File.Exists(Path.Combine(directory, FileName)))
        {
            configuration.Sources.Insert(0, new JsonConfigurationSource
            {
                FileProvider = new PhysicalFileProvider(directory),
                Path = FileName,
                Optional = true,
                ReloadOnChange = false,
            });
        }
        return configuration;
    }
}
