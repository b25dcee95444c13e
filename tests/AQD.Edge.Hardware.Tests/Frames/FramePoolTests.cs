using AQD.Edge.Hardware.Frames;

namespace AQD.Edge.Hardware.Tests.Frames;

public class FramePoolTests
{
    [Fact]
    public void Frames_are_reused_and_growth_is_counted()
    {
        var pool = FramePool.For(2, 4, 4);
        var a = pool.RentRgb24(4, 4);
        var b = pool.RentRgb24(4, 4);
        Assert.Equal(0, pool.Available);
        var c = pool.RentRgb24(4, 4);   // pool ran dry
        Assert.Equal(1, pool.Grown);
        a.Dispose(); a.Dispose();        // idempotent
        b.Dispose(); c.Dispose();
        Assert.Equal(3, pool.Available);
        var d = pool.RentRgb24(8, 8);   // larger than the buffer: resized once
        Assert.Equal(1, pool.Resized);
        Assert.Equal(192, d.Data.Length);
        d.Dispose();
        Assert.Equal(3, pool.Count);
    }
}
