using AQD.Edge.Onnx.Import;

namespace AQD.Edge.Tools.Tests.FloatImport;

/// <summary>
/// The MSE calibration choice: the threshold <see cref="TensorStatistics.MseThreshold"/> picks from the
/// histogram must give (nearly) the least quantization error when the error is measured on the raw values.
/// </summary>
public class MseCalibrationTests(ITestOutputHelper output)
{
    /// <summary>Quantization MSE of the raw values on the grid of <paramref name="levels"/> steps over [max(min, -t), min(max, t)], zero exact.</summary>
    private static double ActualMse(float[] values, double t, int levels)
    {
        double lo = Math.Max(values.Min(), -t), hi = Math.Min(values.Max(), t), step = (hi - lo) / levels, e = 0;
        foreach (float v in values)
        {
            double c = Math.Clamp(v, lo, hi);
            double q = Math.Clamp(step * Math.Round(c / step), lo - step / 2, hi + step / 2);
            e += (v - q) * (v - q);
        }
        return e / values.Length;
    }

    /// <summary>Half-Laplacian (post-ReLU-like) values with a few far outliers.</summary>
    private static float[] HeavyTailed(int seed, int n)
    {
        var rng = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = i % 3 == 0 ? 0 : (float)-Math.Log(1 - rng.NextDouble());
        }
        v[5] = 40;
        v[17] = 25;
        return v;
    }

    [Theory]
    [InlineData(255)]
    [InlineData(15)]
    [InlineData(7)]
    [InlineData(3)]
    public void MseThresholdBeatsMinMaxAndPercentileOnTheRawValues(int levels)
    {
        var values = HeavyTailed(levels, 200_000);
        var stats = new TensorStatistics();
        stats.Add(values.AsSpan(0, 100_000));
        stats.Add(values.AsSpan(100_000));
        double t = stats.MseThreshold(levels);
        double mse = ActualMse(values, t, levels), minmax = ActualMse(values, values.Max(), levels);
        double pct = ActualMse(values, stats.Range(CalibrationMethod.Percentile, 99.99).Max, levels);
        output.WriteLine($"levels {levels}: MSE threshold {t:F3} (max {values.Max()}): MSE {mse:E3}, min/max {minmax:E3}, 99.99th percentile {pct:E3}");
        Assert.InRange(t, 0.5, values.Max());
        Assert.True(mse < minmax, $"MSE choice {mse} is not below min/max {minmax}");
        Assert.True(mse <= pct * 1.02, $"MSE choice {mse} is worse than the 99.99th percentile's {pct}");
        // a brute-force scan of thresholds on the raw values finds nothing much better
        double best = Enumerable.Range(1, 200).Select(k => ActualMse(values, k * 0.1, levels)).Min();
        Assert.True(mse <= best * 1.05, $"MSE choice {mse} vs brute-force best {best}");
        var range = stats.Range(CalibrationMethod.Mse, levels: levels);
        Assert.Equal(0, range.Min);
        Assert.Equal((float)t, range.Max);
    }

    [Fact]
    public void FewerLevelsClipHarder_AndUniformDataIsNotClipped()
    {
        var stats = new TensorStatistics();
        stats.Add(HeavyTailed(1, 100_000));
        Assert.True(stats.MseThreshold(3) < stats.MseThreshold(15));
        Assert.True(stats.MseThreshold(15) < stats.MseThreshold(255));
        var uniform = new TensorStatistics();
        var rng = new Random(3);
        uniform.Add([.. Enumerable.Range(0, 50_000).Select(_ => (float)(2 * rng.NextDouble() - 1))]);
        Assert.True(uniform.MseThreshold(255) > 0.97, $"uniform data clipped at {uniform.MseThreshold(255)}");
    }

    [Fact]
    public void ChannelMeansArePerPlane()
    {
        var stats = new TensorStatistics();
        stats.Add([1, 2, 3, 10, 20, 30], channels: 2);
        stats.Add([3, 3, 3, 0, 0, 0], channels: 2);
        Assert.Equal([2.5, 10.0], stats.ChannelMeans);
        Assert.Throws<ArgumentException>(() => stats.Add([1, 2, 3], channels: 2));
    }
}
