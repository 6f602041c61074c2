namespace EdgeBci.Recording;

/// <summary>An EDF+ annotation: onset in seconds from the file's start, optional duration, text (UTF-8 in the file).</summary>
public readonly record struct EdfAnnotation(double Onset, double? Duration, string Text);
