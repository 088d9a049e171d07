using System.Globalization;
using System.Text.Json;
using Teski.Infrastructure.Persistence;

namespace Teski.Api.Configuration;

/// <summary>Typed reads of flat configuration keys; every malformed value becomes a <see cref="ConfigurationException"/> naming the key.</summary>
internal sealed class EnvironmentReader(IConfiguration configuration)
{
    /// <summary>The value, or null when unset or blank (an empty variable means "use the default", as in the legacy app).</summary>
    public string? String(string name)
    {
        var value = configuration[name];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public string? NonEmpty(string name) => String(name);

    public bool Bool(string name, bool fallback)
    {
        var value = String(name);
        if (value is null)
        {
            return fallback;
        }
        return value.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            _ => throw new ConfigurationException(name, $"must be a boolean (true/false, 1/0, yes/no, on/off), got '{value}'"),
        };
    }

    public int Int(string name, int fallback, int min)
    {
        var value = String(name);
        if (value is null)
        {
            return fallback;
        }
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            throw new ConfigurationException(name, $"must be an integer, got '{value}'");
        }
        if (parsed < min)
        {
            throw new ConfigurationException(name, $"must be at least {min}, got {parsed}");
        }
        return parsed;
    }

    public double Double(string name, double fallback, double exclusiveMin)
    {
        var value = String(name);
        if (value is null)
        {
            return fallback;
        }
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || !double.IsFinite(parsed))
        {
            throw new ConfigurationException(name, $"must be a number, got '{value}'");
        }
        if (parsed <= exclusiveMin)
        {
            throw new ConfigurationException(name, $"must be greater than {exclusiveMin.ToString(CultureInfo.InvariantCulture)}, got {value}");
        }
        return parsed;
    }

    /// <summary>A comma-separated list or a JSON array of strings; null when unset.</summary>
    public IReadOnlyList<string>? List(string name)
    {
        var value = String(name);
        if (value is null)
        {
            return null;
        }
        List<string> items;
        if (value.StartsWith('['))
        {
            try
            {
                items = JsonSerializer.Deserialize<List<string>>(value) ?? [];
            }
            catch (JsonException)
            {
                throw new ConfigurationException(name, "must be a comma-separated list or a JSON array of strings");
            }
        }
        else
        {
            items = [.. value.Split(',')];
        }
        items = [.. items.Select(i => i?.Trim() ?? "")];
        if (items.Count == 0 || items.Any(i => i.Length == 0))
        {
            throw new ConfigurationException(name, "must list at least one value and no empty entries");
        }
        return items;
    }
}
