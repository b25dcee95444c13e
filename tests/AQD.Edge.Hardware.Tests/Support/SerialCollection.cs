namespace AQD.Edge.Hardware.Tests.Support;

/// <summary>Tests that measure process-wide allocation run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (allocation measurements)";
}
