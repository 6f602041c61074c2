namespace EdgeBci.Training.Evaluation;

/// <summary>
/// An <see cref="IProgress{T}"/> that appends each report to a list on the reporting thread, so nothing is lost or
/// reordered (unlike <see cref="Progress{T}"/>, which posts to the thread pool).
/// </summary>
public sealed class CollectingProgress<T>(ICollection<T> target) : IProgress<T>
{
    public void Report(T value) => target.Add(value);
}
