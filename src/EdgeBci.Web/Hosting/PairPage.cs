using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeBci.Web.Hosting;

/// <summary>
/// The self-contained pairing page (wwwroot/pair.html), read once at start. Its inline scripts and styles are allowed by
/// their SHA-256 in its Content-Security-Policy, so nothing else inline can run on it.
/// </summary>
internal sealed partial class PairPage
{
    public const string FileName = "pair.html";

    private PairPage(byte[] body, string contentSecurityPolicy)
    {
        Body = body;
        ContentSecurityPolicy = contentSecurityPolicy;
    }

    public byte[] Body { get; }

    public string ContentSecurityPolicy { get; }

    /// <exception cref="FileNotFoundException">The page's files are not installed under <paramref name="webRoot"/> (named).</exception>
    public static PairPage Load(string webRoot)
    {
        var path = Path.Combine(webRoot, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: the wearer's page is not installed (no {FileName} in its web root {webRoot})", path);
        }

        var html = File.ReadAllText(path, Encoding.UTF8);
        var scripts = Hashes(InlineScript().Matches(html));
        var styles = Hashes(InlineStyle().Matches(html));
        var policy = SecurityHeaders.Policy(scriptSources: "'self'" + scripts, styleSources: "'self'" + styles);
        return new PairPage(Encoding.UTF8.GetBytes(html), policy);
    }

    private static string Hashes(MatchCollection matches)
    {
        var sources = new StringBuilder();
        foreach (Match match in matches)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(match.Groups["body"].Value));
            sources.Append(" 'sha256-").Append(Convert.ToBase64String(hash)).Append('\'');
        }

        return sources.ToString();
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc\s*=)[^>]*>(?<body>.*?)</script>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<style[^>]*>(?<body>.*?)</style>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex InlineStyle();
}
