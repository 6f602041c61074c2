namespace EdgeBci.Recording;

/// <summary>Writes an <see cref="EdfRecording"/> as EDF/BDF. A file read and written back is identical byte for byte.</summary>
public static class EdfWriter
{
    /// <summary>
    /// Writes <paramref name="recording"/> to a new file whose extension must name its format
    /// (<see cref="RecordingFormat.FromPath"/>); an existing file is refused unless <paramref name="existing"/> says otherwise.
    /// </summary>
    public static void Write(string path, EdfRecording recording, ExistingFile existing = ExistingFile.Refuse)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(recording);
        RecordingFormat.FromPath(path, recording.Header.Format.ToString());
        using var stream = RecordingFiles.Create(path, existing, FileShare.None, bufferSize: 81_920);
        Write(stream, recording);
    }

    public static void Write(Stream stream, EdfRecording recording)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(recording);
        var header = recording.Header;
        stream.Write(EdfHeaderCodec.Encode(header, recording.RecordCount));
        var bytesPerSample = header.Format.BytesPerSample();
        var record = new byte[header.RecordBytes];
        for (var r = 0; r < recording.RecordCount; r++)
        {
            var offset = 0;
            for (var s = 0; s < header.Signals.Count; s++)
            {
                var count = header.Signals[s].SamplesPerRecord;
                var bytes = record.AsSpan(offset, count * bytesPerSample);
                SampleCodec.Encode(recording.GetDigital(s).Slice(r * count, count), bytesPerSample, bytes);
                offset += bytes.Length;
            }

            stream.Write(record);
        }

        stream.Flush();
    }
}
