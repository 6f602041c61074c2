// Every test here starts the real firmware (a real-time process with several threads) on a 2-core CI machine: run one
// at a time, so no test's timing is another test's load. A test file added later inherits this unless it says otherwise.
[assembly: NonParallelizable]
[assembly: LevelOfParallelism(1)]

namespace EdgeBci.Firmware.Tests;

/// <summary>At the end of the run, ends any firmware a test left running (a test that hung or was abandoned).</summary>
[SetUpFixture]
public sealed class FirmwareTestRun
{
    [OneTimeTearDown]
    public void KillLeftoverFirmware() => FirmwareProcess.KillAllStillRunning();
}
