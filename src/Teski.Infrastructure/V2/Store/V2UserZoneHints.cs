using Microsoft.Extensions.Caching.Memory;

namespace Teski.Infrastructure.V2.Store;

/// <summary>
/// The time zone each v2 user's row had when this process last read it: a guess, never an answer. <c>GET /memory/next</c>
/// needs the user's local day before its statement can count today's reviews; with a guess, the user's row is read in
/// the same statement, which goes on only where the row's zone is the guessed one (<see cref="V2NextFetch"/>). The
/// review's reads join its lock batch for the guessed day and are read again when the locked row's zone gives another
/// (<see cref="V2MemoryPort.ReviewKnownUserAsync"/>). A wrong or stale guess costs a second round trip, not a wrong
/// count, so several instances need not agree on it.
/// Bounded (<see cref="Capacity"/> users; the cache drops entries when full), one per process.
/// </summary>
public sealed class V2UserZoneHints : IDisposable
{
    public const int Capacity = 100_000;

    private readonly MemoryCache _zones = new(new MemoryCacheOptions { SizeLimit = Capacity, CompactionPercentage = 0.25 });

    public string? Get(Guid userId) => _zones.TryGetValue(userId, out string? zone) ? zone : null;

    public void Set(Guid userId, string zone)
    {
        if (Get(userId) != zone)
        {
            _zones.Set(userId, zone, new MemoryCacheEntryOptions { Size = 1 });
        }
    }

    public void Dispose() => _zones.Dispose();
}
