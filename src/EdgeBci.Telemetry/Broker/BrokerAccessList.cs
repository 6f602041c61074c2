namespace EdgeBci.Telemetry.Broker;

/// <summary>What an ACL line grants: mosquitto's <c>read</c>, <c>write</c>, <c>readwrite</c> or <c>deny</c>.</summary>
[Flags]
public enum BrokerAccess
{
    Deny = 0,
    Read = 1,
    Write = 2,
    ReadWrite = Read | Write,
}

/// <summary>One <c>topic</c> or <c>pattern</c> line of an ACL file.</summary>
public sealed record BrokerAclRule(BrokerAccess Access, string Topic, bool IsPattern, int Line);

/// <summary>
/// The fleet's mosquitto <c>acl_file</c> (deploy/mosquitto/acl), read and applied the way mosquitto applies it, so the
/// embedded broker enforces the very file the fleet broker enforces. A client is judged by its own <c>topic</c> lines
/// (anonymous clients: the lines before the first <c>user</c>) together with every <c>pattern</c> line, in which
/// <c>%u</c> is its user name and <c>%c</c> its client id; a matching <c>deny</c> line wins over any grant.
/// </summary>
public sealed class BrokerAccessList
{
    private static readonly IReadOnlyList<BrokerAclRule> NoRules = [];

    private readonly Dictionary<string, List<BrokerAclRule>> _byUser;
    private readonly List<BrokerAclRule> _anonymous;
    private readonly List<BrokerAclRule> _patterns;

    private BrokerAccessList(string path, Dictionary<string, List<BrokerAclRule>> byUser, List<string> users, List<BrokerAclRule> anonymous, List<BrokerAclRule> patterns)
    {
        Path = path;
        _byUser = byUser;
        Users = users;
        _anonymous = anonymous;
        _patterns = patterns;
    }

    /// <summary>The file read (for messages).</summary>
    public string Path { get; }

    /// <summary>Every user named by a <c>user</c> line, in file order: the service identities that get passwords.</summary>
    public IReadOnlyList<string> Users { get; }

    /// <summary>The <c>topic</c> lines of <paramref name="user"/> (null: the anonymous lines).</summary>
    public IReadOnlyList<BrokerAclRule> RulesOf(string? user) =>
        user is null ? _anonymous : _byUser.TryGetValue(user, out var rules) ? rules : NoRules;

    /// <summary>Reads an ACL file; <see cref="IOException"/> naming the file when it cannot be read, <see cref="InvalidDataException"/> naming file and line for a syntax error.</summary>
    public static BrokerAccessList Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read the broker ACL {path}: {exception.Message}", exception);
        }

        return Parse(path, text);
    }

    /// <summary>Parses ACL text; <paramref name="path"/> only names the source in error messages.</summary>
    public static BrokerAccessList Parse(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var byUser = new Dictionary<string, List<BrokerAclRule>>(StringComparer.Ordinal);
        var users = new List<string>();
        var anonymous = new List<BrokerAclRule>();
        var patterns = new List<BrokerAclRule>();
        List<BrokerAclRule> current = anonymous;
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var number = index + 1;
            var line = lines[index].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var (keyword, rest) = SplitFirst(line);
            switch (keyword)
            {
                case "user":
                    if (rest.Length == 0)
                    {
                        throw Error(path, number, "'user' needs a user name");
                    }

                    if (!byUser.TryGetValue(rest, out var existing))
                    {
                        existing = [];
                        byUser[rest] = existing;
                        users.Add(rest);
                    }

                    current = existing;
                    break;
                case "topic":
                    current.Add(ParseRule(path, number, rest, isPattern: false));
                    break;
                case "pattern":
                    patterns.Add(ParseRule(path, number, rest, isPattern: true));
                    break;
                default:
                    throw Error(path, number, $"unknown keyword '{Printable(keyword)}' (use user, topic or pattern)");
            }
        }

        return new BrokerAccessList(path, byUser, users, anonymous, patterns);
    }

    /// <summary>May <paramref name="user"/> (connected as <paramref name="clientId"/>) publish to <paramref name="topic"/>?</summary>
    public bool CanWrite(string? user, string clientId, string topic) => Allows(user, clientId, topic, BrokerAccess.Write);

    /// <summary>May <paramref name="user"/> receive a message published to <paramref name="topic"/>?</summary>
    public bool CanRead(string? user, string clientId, string topic) => Allows(user, clientId, topic, BrokerAccess.Read);

    /// <summary>
    /// Does some read grant of <paramref name="user"/> cover every topic <paramref name="filter"/> can match? Deny lines
    /// are not judged here: they hold per delivered message (<see cref="CanRead"/>), as in mosquitto.
    /// </summary>
    public bool CanSubscribe(string? user, string clientId, string filter)
    {
        if (!MqttTopicMatch.IsValidFilter(filter))
        {
            return false;
        }

        foreach (var rule in RulesOf(user))
        {
            if ((rule.Access & BrokerAccess.Read) != 0 && MqttTopicMatch.Covers(rule.Topic, filter))
            {
                return true;
            }
        }

        foreach (var rule in _patterns)
        {
            if ((rule.Access & BrokerAccess.Read) != 0 && Substitute(rule.Topic, user, clientId) is { } topic && MqttTopicMatch.Covers(topic, filter))
            {
                return true;
            }
        }

        return false;
    }

    private bool Allows(string? user, string clientId, string topic, BrokerAccess wanted)
    {
        var own = RulesOf(user);

        // Denials first, over the user's lines and every pattern: a deny line cannot be outvoted by a grant.
        foreach (var rule in own)
        {
            if (rule.Access == BrokerAccess.Deny && MqttTopicMatch.Matches(rule.Topic, topic))
            {
                return false;
            }
        }

        foreach (var rule in _patterns)
        {
            if (rule.Access == BrokerAccess.Deny && Substitute(rule.Topic, user, clientId) is { } denied && MqttTopicMatch.Matches(denied, topic))
            {
                return false;
            }
        }

        foreach (var rule in own)
        {
            if ((rule.Access & wanted) != 0 && MqttTopicMatch.Matches(rule.Topic, topic))
            {
                return true;
            }
        }

        foreach (var rule in _patterns)
        {
            if ((rule.Access & wanted) != 0 && Substitute(rule.Topic, user, clientId) is { } granted && MqttTopicMatch.Matches(granted, topic))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The pattern with %u and %c replaced, or null when the pattern cannot apply: mosquitto skips a pattern whose
    /// substitution is missing (anonymous %u) or would inject topic structure (a name with '/', '+' or '#').
    /// </summary>
    private static string? Substitute(string pattern, string? user, string clientId)
    {
        var needsUser = pattern.Contains("%u", StringComparison.Ordinal);
        var needsClient = pattern.Contains("%c", StringComparison.Ordinal);
        if (needsUser && (user is null || !IsPlainLevel(user)))
        {
            return null;
        }

        if (needsClient && !IsPlainLevel(clientId))
        {
            return null;
        }

        var topic = needsUser ? pattern.Replace("%u", user, StringComparison.Ordinal) : pattern;
        return needsClient ? topic.Replace("%c", clientId, StringComparison.Ordinal) : topic;
    }

    private static bool IsPlainLevel(string value) => value.Length > 0 && value.AsSpan().IndexOfAny('/', '+', '#') < 0;

    private static BrokerAclRule ParseRule(string path, int line, string rest, bool isPattern)
    {
        var keyword = isPattern ? "pattern" : "topic";
        if (rest.Length == 0)
        {
            throw Error(path, line, $"'{keyword}' needs a topic");
        }

        var (first, afterFirst) = SplitFirst(rest);
        var (access, topic) = first switch
        {
            "read" => (BrokerAccess.Read, afterFirst),
            "write" => (BrokerAccess.Write, afterFirst),
            "readwrite" => (BrokerAccess.ReadWrite, afterFirst),
            "deny" => (BrokerAccess.Deny, afterFirst),
            _ when afterFirst.Length == 0 => (BrokerAccess.ReadWrite, rest),
            _ => throw Error(path, line, $"'{Printable(first)}' is not an access type (use read, write, readwrite or deny)"),
        };

        if (topic.Length == 0)
        {
            throw Error(path, line, $"'{keyword} {first}' needs a topic");
        }

        if (!MqttTopicMatch.IsValidFilter(topic))
        {
            throw Error(path, line, $"'{Printable(topic)}' is not a valid topic filter ('#' only as the last level, '+' and '#' only as a whole level)");
        }

        return new BrokerAclRule(access, topic, isPattern, line);
    }

    private static (string Head, string Tail) SplitFirst(string text)
    {
        var space = text.AsSpan().IndexOfAny(' ', '\t');
        return space < 0 ? (text, string.Empty) : (text[..space], text[(space + 1)..].Trim());
    }

    private static InvalidDataException Error(string path, int line, string message) => new($"{path}:{line}: {message}");

    private static string Printable(string text)
    {
        var chars = text.Length > 64 ? text[..64].ToCharArray() : text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]))
            {
                chars[i] = '?';
            }
        }

        return new string(chars);
    }
}
