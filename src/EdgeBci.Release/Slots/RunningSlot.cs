namespace EdgeBci.Release.Slots;

/// <summary>
/// The slot a program runs from: its base directory is <c>.../slots/&lt;slot&gt;/&lt;part&gt;/</c> (after every symbolic
/// link, since systemd starts it through <c>/opt/edgebci/firmware -&gt; current/firmware</c>) with the slot's
/// <c>manifest.txt</c> beside. Anything else (a build folder, <c>make run</c>, tests) runs from no slot.
/// </summary>
public sealed record RunningSlot(string Name, string Folder)
{
    private const int MaxLinks = 40;

    /// <summary>The slot <paramref name="baseDirectory"/> lies in, or null when it is not a slot's part.</summary>
    /// <exception cref="IOException">A symbolic link on the way loops or cannot be read.</exception>
    public static RunningSlot? Find(string baseDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseDirectory);
        var part = new DirectoryInfo(Resolve(Path.GetFullPath(baseDirectory)));
        if (part.Parent is not { } slot || slot.Parent is not { Name: "slots" } || !ReleaseFiles.IsSlot(slot.Name))
        {
            return null;
        }

        return File.Exists(Path.Combine(slot.FullName, "manifest.txt")) ? new RunningSlot(slot.Name, slot.FullName) : null;
    }

    /// <summary>The path with every symbolic link in it replaced by its target, component by component (like realpath).</summary>
    internal static string Resolve(string path)
    {
        var resolved = Path.GetPathRoot(path) ?? "/";
        var pending = new Stack<string>(path[resolved.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var links = 0;
        while (pending.TryPop(out var name))
        {
            if (name == ".")
            {
                continue;
            }

            if (name == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? resolved;
                continue;
            }

            var next = Path.Combine(resolved, name);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                resolved = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                throw new IOException($"{path}: more than {MaxLinks} symbolic links on the way (a loop?)");
            }

            // The target's components are walked in turn: a relative target is relative to the link's folder.
            if (Path.IsPathRooted(target))
            {
                resolved = Path.GetPathRoot(target) ?? "/";
                target = target[resolved.Length..];
            }

            foreach (var component in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(component);
            }
        }

        return resolved;
    }
}
