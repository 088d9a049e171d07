using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Teski.Domain.Common;

namespace Teski.Api.Tests.Rollout;

/// <summary>
/// A bounded background loop of real HTTP requests from several simulated users (legacy ids), run while the test
/// switches stages: mistakes, reviews, XP awards and reads, on the v2 endpoints when v2 is on and the legacy ones
/// otherwise. Every acknowledged write is recorded; every non-2xx answer is a failure.
/// </summary>
public sealed class Traffic
{
    public const long LeaderboardId = 501;

    private readonly long[] _users;
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentDictionary<long, ConcurrentQueue<string>> _templates = new();
    private readonly ConcurrentDictionary<long, ConcurrentQueue<Guid>> _memories = new();
    private readonly ConcurrentDictionary<long, int> _mistakes = new();
    private readonly ConcurrentDictionary<long, int> _v2Reviews = new();
    private readonly ConcurrentQueue<Guid> _xpEvents = new();
    private readonly ConcurrentDictionary<long, int> _awards = new();
    private RolloutHost _host;
    private int _requests;
    private volatile bool _paused;
    private int _active;

    public Traffic(RolloutHost host, IReadOnlyList<long> users)
    {
        _host = host;
        _users = [.. users];
    }

    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>
    /// Set once the backfill has run. Before that, a legacy review of an item logged in stage "legacy only" has no v2
    /// item to update: the mirror skips it by design (ReviewFact) and the backfill carries the card's state, not a review
    /// log row (the legacy schema keeps no review history). Such reviews are not counted as v2 reviews.
    /// </summary>
    public bool BackfillDone { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public int MistakesOf(long user) => _mistakes.GetValueOrDefault(user);

    /// <summary>Reviews acknowledged while v2 received writes (as primary or mirror); legacy-only reviews leave no v2 history.</summary>
    public int V2ReviewsOf(long user) => _v2Reviews.GetValueOrDefault(user);

    public int AwardsOf(long user) => _awards.GetValueOrDefault(user);

    public IReadOnlyCollection<Guid> XpEvents => _xpEvents;

    public Task RunAsync(CancellationToken stop) => Task.WhenAll(_users.Select(u => Task.Run(() => UserLoopAsync(u, stop))));

    /// <summary>Sends new requests to <paramref name="next"/>; returns once the old host has no request in flight.</summary>
    public async Task SwitchToAsync(RolloutHost next)
    {
        var old = _host;
        Volatile.Write(ref _host, next);
        while (old.InFlight > 0)
        {
            await Task.Delay(5);
        }
    }

    /// <summary>Holds new iterations and waits for the running ones to finish (for `verify` on a quiet system).</summary>
    public async Task PauseAsync()
    {
        _paused = true;
        while (Volatile.Read(ref _active) > 0)
        {
            await Task.Delay(5);
        }
    }

    public void Resume() => _paused = false;

    private async Task UserLoopAsync(long user, CancellationToken stop)
    {
        var clients = new Dictionary<RolloutHost, HttpClient>();
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            if (_paused)
            {
                await Task.Delay(10, CancellationToken.None);
                n--;
                continue;
            }
            Interlocked.Increment(ref _active);
            var host = Volatile.Read(ref _host);
            host.Enter();
            try
            {
                if (_paused || !ReferenceEquals(host, Volatile.Read(ref _host)))
                {
                    n--;
                    continue;
                }
                if (!clients.TryGetValue(host, out var client))
                {
                    client = clients[host] = host.ClientFor(user.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                await StepAsync(client, host, user, n);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
            {
                _failures.Enqueue($"user {user} step {n}: {ex.GetType().Name}: {ex.Message}");
            }
            finally
            {
                host.Leave();
                Interlocked.Decrement(ref _active);
            }
        }
    }

    private async Task StepAsync(HttpClient client, RolloutHost host, long user, int n)
    {
        var v2Written = host.V2Enabled || (host.DualWrite && BackfillDone);
        switch (n % 4)
        {
            case 0 when host.V2Enabled:
                {
                    var body = await SendAsync(client, HttpMethod.Post, "/api/memory/mistake", new { concept = $"concept-{user}-{n}", raw = "3+4=8" });
                    if (body is { } b)
                    {
                        _memories.GetOrAdd(user, _ => new()).Enqueue(b.GetProperty("memory_id").GetGuid());
                        _mistakes.AddOrUpdate(user, 1, (_, c) => c + 1);
                    }
                    break;
                }
            case 0:
                {
                    var template = $"tpl-{user}-{n}";
                    var body = await SendAsync(client, HttpMethod.Post, "/api/v1/memory/log/v1", new { template_code = template, error_type = "concept", detail = new { reason = "unit" } });
                    if (body is not null)
                    {
                        _templates.GetOrAdd(user, _ => new()).Enqueue(template);
                        _mistakes.AddOrUpdate(user, 1, (_, c) => c + 1);
                    }
                    break;
                }
            case 1 when host.V2Enabled:
                {
                    if (_memories.TryGetValue(user, out var ids) && ids.TryPeek(out _))
                    {
                        var id = ids.ElementAt(n % ids.Count);
                        if (await SendAsync(client, HttpMethod.Post, "/api/memory/review", new { memory_id = id, grade = 4 }) is not null)
                        {
                            _v2Reviews.AddOrUpdate(user, 1, (_, c) => c + 1);
                        }
                    }
                    break;
                }
            case 1:
                {
                    if (_templates.TryGetValue(user, out var templates) && templates.TryPeek(out _))
                    {
                        var template = templates.ElementAt(n % templates.Count);
                        if (await SendAsync(client, HttpMethod.Post, $"/api/v1/memory/review/result?template_code={template}&correct=true", null) is not null && v2Written)
                        {
                            _v2Reviews.AddOrUpdate(user, 1, (_, c) => c + 1);
                        }
                    }
                    break;
                }
            case 2:
                {
                    var body = await SendAsync(client, HttpMethod.Post, $"/leaderboards/{LeaderboardId}/award", new { event_type = "task_completed" });
                    if (body is { } b)
                    {
                        _xpEvents.Enqueue(StableId.For("pointsevent", b.GetProperty("id").GetInt64()));
                        _awards.AddOrUpdate(user, 1, (_, c) => c + 1);
                    }
                    break;
                }
            default:
                await SendAsync(client, HttpMethod.Get, "/api/v1/personas/", null);
                if (host.V2Enabled)
                {
                    await SendAsync(client, HttpMethod.Get, "/api/memory/xp", null);
                }
                break;
        }
    }

    private async Task<JsonElement?> SendAsync(HttpClient client, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        using var response = await client.SendAsync(request);
        Interlocked.Increment(ref _requests);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            _failures.Enqueue($"{method} {path}: {(int)response.StatusCode} {text}");
            return null;
        }
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
