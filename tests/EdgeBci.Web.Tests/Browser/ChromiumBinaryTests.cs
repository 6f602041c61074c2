using EdgeBci.Tests.Shared;

namespace EdgeBci.Web.Tests.Browser;

public sealed class ChromiumBinaryTests
{
    [Test]
    public void A_configured_binary_that_does_not_exist_is_named_with_how_to_install_one()
    {
        var error = Assert.Throws<FileNotFoundException>(() => ChromiumBinary.Find("/nonexistent/chromium", "/usr/bin", "/usr/bin/chromium"));
        Assert.That(error!.Message, Does.Contain("EDGEBCI_CHROMIUM=/nonexistent/chromium").And.Contain(".ci/chromium"));
    }

    [Test]
    public void Without_configuration_chromium_on_path_comes_before_the_debian_default()
    {
        using var folder = new ScratchFolder("chromium-path");
        var onPath = Path.Combine(folder.Path, "chromium");
        File.WriteAllText(onPath, "#!/bin/sh\n");
        Assert.That(ChromiumBinary.Find(null, $"/nonexistent{Path.PathSeparator}{folder.Path}", "/nonexistent/debian/chromium"), Is.EqualTo(onPath));
    }

    [Test]
    public void Nothing_found_is_a_failure_that_says_where_it_looked()
    {
        var error = Assert.Throws<FileNotFoundException>(() => ChromiumBinary.Find("", "/nonexistent", "/nonexistent/debian/chromium"));
        Assert.That(error!.Message, Does.Contain("PATH").And.Contain("/nonexistent/debian/chromium").And.Contain(".ci/chromium"));
    }
}
