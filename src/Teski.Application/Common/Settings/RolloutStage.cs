namespace Teski.Application.Common.Settings;

/// <summary>What the two flags amount to together (product-contract.md, "Stages").</summary>
public enum RolloutStage
{
    /// <summary>V2 off, dual-write off: legacy store only.</summary>
    LegacyOnly,

    /// <summary>V2 off, dual-write on: legacy primary, mirrored to v2 (plan step 4).</summary>
    DualWriteLegacyPrimary,

    /// <summary>V2 on, dual-write on: v2 primary, mirrored to legacy (steps 6–7; rollback possible).</summary>
    DualWriteV2Primary,

    /// <summary>V2 on, dual-write off: v2 store only (step 8).</summary>
    V2Only,
}

/// <summary>The two migration flags. The one place that decides which store is primary and whether there is a mirror.</summary>
public sealed record MigrationFlags(bool V2Enabled, bool DualWrite)
{
    public RolloutStage Stage => (V2Enabled, DualWrite) switch
    {
        (false, false) => RolloutStage.LegacyOnly,
        (false, true) => RolloutStage.DualWriteLegacyPrimary,
        (true, true) => RolloutStage.DualWriteV2Primary,
        (true, false) => RolloutStage.V2Only,
    };

    public StoreKind Primary => V2Enabled ? StoreKind.V2 : StoreKind.Legacy;

    /// <summary>The store writes are mirrored to, or null when there is no mirror.</summary>
    public StoreKind? Mirror => DualWrite ? (V2Enabled ? StoreKind.Legacy : StoreKind.V2) : null;

    public static string StageName(RolloutStage stage) => stage switch
    {
        RolloutStage.LegacyOnly => "legacy only",
        RolloutStage.DualWriteLegacyPrimary => "dual-write, legacy primary",
        RolloutStage.DualWriteV2Primary => "dual-write, v2 primary",
        RolloutStage.V2Only => "v2 only",
        _ => stage.ToString(),
    };
}

public enum StoreKind
{
    Legacy,
    V2,
}
