using EdgeBci.Signing;

namespace EdgeBci.Decoding.Bundle;

/// <summary>What an unsigned model bundle means to the one loading it.</summary>
public enum ModelSignatureRequirement
{
    /// <summary>A bundle must be signed by a trusted key (a real board: only a trainer's signed model may drive).</summary>
    Required,

    /// <summary>
    /// An unsigned bundle loads with a warning the caller logs (the emulator, whose shipped bundles are unsigned because
    /// the key never enters the repository); a signed bundle must still be signed by a trusted key and untouched.
    /// </summary>
    WarnIfUnsigned,

    /// <summary>The signature is not looked at (offline tools that ask for it: training, scoring, quantizing).</summary>
    None,
}

/// <summary>
/// How <see cref="ModelBundle.Load"/> treats <c>manifest.sig</c>: every caller chooses one, so a place that loads a
/// model to drive with cannot forget the signature. A bundle signed by a foreign key or changed after signing is
/// refused under every policy except <see cref="None"/>: a signature that is there and wrong is never a warning.
/// </summary>
public sealed class ModelTrustPolicy
{
    private ModelTrustPolicy(ModelSignatureRequirement requirement, TrustStore? trust)
    {
        Requirement = requirement;
        Trust = trust;
    }

    /// <summary>Signatures are not checked.</summary>
    public static ModelTrustPolicy None { get; } = new(ModelSignatureRequirement.None, null);

    public ModelSignatureRequirement Requirement { get; }

    /// <summary>The keys a signature must come from; null under <see cref="None"/>.</summary>
    public TrustStore? Trust { get; }

    /// <summary>Only bundles signed by one of <paramref name="trust"/>'s keys load.</summary>
    public static ModelTrustPolicy Required(TrustStore trust)
    {
        ArgumentNullException.ThrowIfNull(trust);
        return new ModelTrustPolicy(ModelSignatureRequirement.Required, trust);
    }

    /// <summary>Unsigned bundles load with a warning; signed ones must be signed by one of <paramref name="trust"/>'s keys.</summary>
    public static ModelTrustPolicy WarnIfUnsigned(TrustStore trust)
    {
        ArgumentNullException.ThrowIfNull(trust);
        return new ModelTrustPolicy(ModelSignatureRequirement.WarnIfUnsigned, trust);
    }

    /// <summary>For logs: the requirement and where the trusted keys come from.</summary>
    public override string ToString() => Trust is null
        ? "signature not checked"
        : $"signature {(Requirement == ModelSignatureRequirement.Required ? "required" : "checked, unsigned allowed with a warning")} ({Trust.Describe()})";
}
