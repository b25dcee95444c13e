namespace AQD.Edge.Bench.Harness;

/// <summary>Timing of one benchmark case: every timed repetition in milliseconds.</summary>
public sealed record Measurement(double[] SamplesMs)
{
    public int Repetitions => SamplesMs.Length;

    public double MedianMs
    {
        get
        {
            var s = SamplesMs.Order().ToArray();
            int n = s.Length;
            return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        }
    }

    public double MinMs => SamplesMs.Min();

    /// <summary>Giga multiply-accumulates per second at the median time.</summary>
    public double GmacPerSecond(long macs) => macs / (MedianMs * 1e6);
}
