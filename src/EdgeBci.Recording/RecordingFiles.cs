namespace EdgeBci.Recording;

/// <summary>What to do when the file a recording is to be written to already exists.</summary>
public enum ExistingFile
{
    /// <summary>Refuse: an <see cref="IOException"/> names the file (the default: a recording never replaces another).</summary>
    Refuse,

    /// <summary>Write to the first free "name-1.ext", "name-2.ext", ... instead (a unit's recordings named after the clock).</summary>
    AddSuffix,

    /// <summary>Replace it (only when a user asked for it, e.g. <c>--force</c>).</summary>
    Replace,
}

/// <summary>Creates the file a recording is written to, never silently replacing another one.</summary>
public static class RecordingFiles
{
    private const int MaxSuffix = 999;

    /// <summary>Creates <paramref name="path"/> (or, with <see cref="ExistingFile.AddSuffix"/>, the first free suffixed name) for writing.</summary>
    /// <exception cref="IOException">The file exists and <paramref name="existing"/> is <see cref="ExistingFile.Refuse"/>, or every suffix is taken.</exception>
    /// <param name="bufferSize">0 (the default) writes straight through, so a failed write leaves nothing buffered to fail again on close.</param>
    public static FileStream Create(string path, ExistingFile existing, FileShare share = FileShare.Read, int bufferSize = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (existing == ExistingFile.Replace)
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, share, bufferSize);
        }

        var directory = Path.GetDirectoryName(path) ?? string.Empty;
        var stem = Path.GetFileNameWithoutExtension(path);
        var extension = Path.GetExtension(path);
        for (var suffix = 0; suffix <= MaxSuffix; suffix++)
        {
            var candidate = suffix == 0 ? path : Path.Combine(directory, $"{stem}-{suffix}{extension}");
            try
            {
                // CreateNew is one atomic step: two writers racing for a name cannot both get it.
                return new FileStream(candidate, FileMode.CreateNew, FileAccess.Write, share, bufferSize);
            }
            catch (IOException) when (File.Exists(candidate))
            {
                if (existing == ExistingFile.Refuse)
                {
                    throw new IOException($"{path} already exists; a recording never overwrites another (choose another name, or remove it first).");
                }
            }
        }

        throw new IOException($"{path} and its suffixed names -1 to -{MaxSuffix} all exist; clear the folder.");
    }
}
