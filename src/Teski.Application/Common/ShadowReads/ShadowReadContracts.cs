using Teski.Application.Common.Settings;

namespace Teski.Application.Common.ShadowReads;

/// <summary>
/// How a read query is compared across the stores: the keys to log, and a normalised projection of its answer that
/// both schemas mean the same way. Registered in DI per query type (<see cref="ShadowProjections"/>); a query without
/// one is never shadowed.
/// </summary>
public interface IShadowProjection<in TRequest, in TResponse>
{
    string Keys(TRequest request);

    object? Project(TResponse response);
}

/// <summary>The shadow-read figures (<c>teski_shadow_read_mismatches_total</c>, ...).</summary>
public interface IShadowReadMetrics
{
    void Compared(string request);

    void Mismatch(string request);

    void Failed(string request);
}

/// <summary>
/// <c>TESKI_SHADOW_READ_FRACTION</c>: the share of read requests also answered by the mirror store. Unset: 0.1 in the
/// dual-write stages. Without a mirror there is nothing to compare, whatever the setting.
/// </summary>
public sealed record ShadowReadSettings(double? Fraction)
{
    public const double DefaultDualWriteFraction = 0.1;

    public double FractionFor(MigrationFlags flags) => flags.Mirror is null ? 0 : Math.Clamp(Fraction ?? DefaultDualWriteFraction, 0, 1);
}

/// <summary>Marks a DI scope in which the mirror store answers as primary (the shadow copy of a read).</summary>
public sealed class ShadowReadScope
{
    public bool IsShadow { get; set; }
}

/// <summary>The default when the host exports no figures.</summary>
public sealed class NoShadowReadMetrics : IShadowReadMetrics
{
    public void Compared(string request)
    {
    }

    public void Mismatch(string request)
    {
    }

    public void Failed(string request)
    {
    }
}
