using EdgeBci.Acquisition.Configuration;
using EdgeBci.Recording;

namespace EdgeBci.Acquisition.Emulation.Sources;

/// <summary>
/// Turns the <c>Emulator</c> section into what the emulated electrodes see: the synthetic source, or a recording
/// (any format <see cref="RecordingLoader"/> reads, with <c>Emulator:SourceSampleRate</c>/<c>SourceChannelCount</c>
/// for files that do not state them) with its channels picked by name. Every failure names the key at fault.
/// </summary>
public static class EmulatorSourceFactory
{
    /// <param name="options">The chip's options: its channel names are the default recording channels.</param>
    /// <param name="emulatorOptions">The validated <c>Emulator</c> section.</param>
    /// <param name="contentRoot">Where a relative <c>Emulator:Source</c> path is resolved.</param>
    /// <exception cref="ArgumentException">The file is missing, unreadable as a recording, or lacks a named channel.</exception>
    public static IEmulatorSignalSource Create(Ads1299Options options, EmulatorOptions emulatorOptions, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(emulatorOptions);
        if (string.Equals(emulatorOptions.Source, EmulatorOptions.SyntheticSource, StringComparison.OrdinalIgnoreCase))
        {
            return new SyntheticSignalSource(options.Channels.Length, new SyntheticSignalOptions
            {
                LineAmplitude = emulatorOptions.LineNoiseMicrovolts,
                LineFrequency = emulatorOptions.LineFrequency,
            });
        }

        var path = Path.GetFullPath(emulatorOptions.Source, contentRoot);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"{EmulatorOptions.Section}:Source = '{emulatorOptions.Source}': no such file ({path}).");
        }

        MicrovoltRecording recording;
        try
        {
            recording = RecordingLoader.Load(path, emulatorOptions.RecordingHints());
        }
        catch (RecordingFormatException exception)
        {
            throw new ArgumentException($"{EmulatorOptions.Section}:Source = '{emulatorOptions.Source}' cannot be replayed: {exception.Message}", exception);
        }

        var labels = emulatorOptions.SourceChannels.Length != 0 ? emulatorOptions.SourceChannels : options.Channels;
        try
        {
            return new RecordingSignalSource(recording, labels);
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException($"{EmulatorOptions.Section}:SourceChannels: {exception.Message}", exception);
        }
    }
}
