namespace EdgeBci.Tests.Shared;

/// <summary>A uniquely named temporary folder, optionally filled with a copy of another folder's files, deleted on dispose.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public ScratchFolder(string purpose, string? copyFrom = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"edgebci-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
        if (copyFrom is not null)
        {
            foreach (var file in Directory.GetFiles(copyFrom))
            {
                File.Copy(file, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(file)));
            }
        }
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
