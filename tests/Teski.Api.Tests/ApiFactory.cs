using System.Net.Http.Headers;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Teski.Api.Auth;
using Teski.Api.Configuration;
using Teski.Api.Endpoints;
using Teski.Api.Errors;
using Teski.Application.Common.Identity;
using Teski.Testing;

namespace Teski.Api.Tests;

/// <summary>The real pipeline with throwaway endpoints on the v2 and legacy groups; settings arrive like environment variables.</summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public const string SecretKey = "test-secret-key-that-is-long-enough-for-hs256";

    private readonly TempDir _dir = new();
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public ApiFactory()
        : this(null)
    {
    }

    public static ApiFactory With(IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? services = null) => new(settings, services);

    private ApiFactory(IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? services = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["SECRET_KEY"] = SecretKey,
            ["TESKI_ASYNC_DB_URL"] = "sqlite:///" + _dir.File("teski_v2.db"),
            ["TESKI_LEGACY_DB_URL"] = "sqlite:///" + _dir.File("app.db"),
            ["TESKI_MEMORY_V2_ENABLED"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
        _services = services;
    }

    public TeskiConfiguration Configuration => TeskiConfiguration.Load(new ConfigurationBuilder().AddInMemoryCollection(_settings).Build());

    public string Token(string sub, DateTimeOffset? now = null, TimeSpan? lifetime = null) =>
        DevTokens.Create(Configuration, UserRef.Parse(sub), now ?? DateTimeOffset.UtcNow, lifetime);

    public HttpClient ClientFor(string sub)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(sub));
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IEndpointModule, TestEndpoints>();
            _services?.Invoke(services);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }
}

public enum Rating
{
    Again,
    Good,
    VeryGood,
}

public sealed record EchoBody(Guid ItemId, int Grade, Rating Rating, long? Count);

public sealed record BodyWithUser(string? UserId, string Note);

/// <summary>Throwaway endpoints exercising the host's conventions; none of them is a business endpoint.</summary>
internal sealed class TestEndpoints : IEndpointModule
{
    public void Map(IEndpointRouteBuilder app)
    {
        app.MapV2(group =>
        {
            group.MapGet("/test/whoami", (ICurrentUser user) => new { sub = user.User.ToString(), legacy_id = user.User.LegacyId, v2_id = user.User.V2Id });
            group.MapPost("/test/echo", (EchoBody body) => body);
        });

        var legacy = app.MapLegacyGroup();
        legacy.MapGet("/test/whoami", (ICurrentUser user) => new { sub = user.User.ToString() });
        legacy.MapPost("/test/echo", (EchoBody body) => body);
        legacy.MapPost("/test/body-user", async (BodyWithUser body, ICurrentUser user, CancellationToken ct) =>
        {
            await user.EnsureSameUserAsync(body.UserId, ct);
            return Results.Ok(new { ok = true });
        });
        legacy.MapGet("/test/items/{id}", (Guid id) => new { id });
        legacy.MapGet("/test/not-found", () => { throw new NotFoundException("memory_not_found"); });
        legacy.MapGet("/test/boom", () => { throw new InvalidOperationException("secret internals at /srv/teski"); });
        legacy.MapGet("/test/fluent", () =>
        {
            throw new ValidationException([new ValidationFailure("DueAt", "must be in the future")]);
        });
    }
}
