using System.Runtime.InteropServices;

namespace EdgeBci.Decoding.Live;

/// <summary>
/// What the decoder concluded from one window. A value type whose strings are references to the manifest's own
/// (class names, model id and version), so raising one allocates nothing. The window's full probability vector is
/// not copied in: read <see cref="LiveDecoder.Probabilities"/> during the callback.
/// <para>
/// The window's own verdict is <see cref="ClassIndex"/> with <see cref="Confidence"/>; the integrated, stable verdict
/// (which one window cannot flip, see <see cref="EvidenceAccumulator"/>) is <see cref="EvidenceClass"/> with
/// <see cref="Evidence"/>. Act on the latter.
/// </para>
/// </summary>
/// <param name="WindowIndex">Number of the window since the decoder started, 0, 1, 2, ... (never skipped, never repeated).</param>
/// <param name="ClassIndex">The window's most probable class.</param>
/// <param name="ClassName">Its name from the manifest's class list.</param>
/// <param name="Confidence">The window's top probability.</param>
/// <param name="EvidenceClass">The class with the most accumulated evidence after this window.</param>
/// <param name="EvidenceClassName">Its name.</param>
/// <param name="Evidence">Its accumulated evidence, 0..1.</param>
/// <param name="Rejected">True when the window did not count toward its class: <see cref="Confidence"/> below the rejection floor, or <see cref="Rejection"/> set.</param>
/// <param name="LastSampleIndex">Sample index (chain output) of the window's newest sample.</param>
/// <param name="Timestamp">Timestamp of the frame that completed the window (the acquisition's DRDY clock).</param>
/// <param name="ModelId">Id of the model that classified the window.</param>
/// <param name="ModelVersion">Its version.</param>
/// <param name="Focus">Smoothed focus score 0..1 at this window, NaN when no focus meter is attached, it has not filled yet, or no focus channel is good.</param>
/// <param name="Rejection">
/// Set when a channel the model needs was unusable (railed, flat, constant, lead-off, settling after a fault): the
/// reason, e.g. "rejected: C3 railed". The window was then not classified: <see cref="ClassIndex"/> is -1,
/// <see cref="ClassName"/> is the reason, <see cref="Confidence"/> 0, <see cref="Rejected"/> true, and the evidence
/// decayed toward uniform. Null otherwise.
/// </param>
[StructLayout(LayoutKind.Auto)]
public readonly record struct Decision(
    long WindowIndex,
    int ClassIndex,
    string ClassName,
    float Confidence,
    int EvidenceClass,
    string EvidenceClassName,
    double Evidence,
    bool Rejected,
    long LastSampleIndex,
    long Timestamp,
    string ModelId,
    string ModelVersion,
    double Focus,
    string? Rejection = null);

/// <summary>Receives each decision; called on the thread that pushes frames, before the next frame is taken.</summary>
public delegate void DecisionHandler(in Decision decision);
