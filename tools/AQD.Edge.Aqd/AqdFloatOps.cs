using System.Numerics.Tensors;

namespace AQD.Edge.Aqd;

/// <summary>
/// Plain double-precision NHWC operators for calibration and for the fake-quant simulation
/// (reference code, independent of the integer kernels). Padding of a conv input is the real value
/// 0 (AQD pads after quantization: the integer zero point).
/// </summary>
public static class AqdFloatOps
{
    /// <summary>
    /// acc[p][oc] = sum over the kxk window and input channels of x * w, x NHWC [h][w][cin], w
    /// [cout][k][k][cin], 'same'-style padding k/2, output [oh][ow][cout].
    /// </summary>
    public static double[] Conv(ReadOnlySpan<double> x, int h, int w, int cin, ReadOnlySpan<double> weights, int cout, int k, int stride)
    {
        int pad = k / 2;
        int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        int kk = k * k * cin;
        var output = new double[oh * ow * cout];
        var xs = x.ToArray();
        var ws = weights.ToArray();
        Parallel.For(0, oh, () => new double[kk], (oy, _, patch) =>
        {
            for (int ox = 0; ox < ow; ox++)
            {
                int n = 0;
                for (int ky = 0; ky < k; ky++)
                {
                    int iy = oy * stride - pad + ky;
                    for (int kx = 0; kx < k; kx++)
                    {
                        int ix = ox * stride - pad + kx;
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                        {
                            Array.Clear(patch, n, cin);
                        }
                        else
                        {
                            Array.Copy(xs, ((long)iy * w + ix) * cin, patch, n, cin);
                        }
                        n += cin;
                    }
                }
                int o = (oy * ow + ox) * cout;
                for (int c = 0; c < cout; c++)
                {
                    output[o + c] = TensorPrimitives.Dot<double>(patch, ws.AsSpan(c * kk, kk));
                }
            }
            return patch;
        }, _ => { });
        return output;
    }

    /// <summary>3x3 stride-2 max pool, padding 1 (padded positions skipped).</summary>
    public static double[] MaxPool3x3s2(ReadOnlySpan<double> x, int h, int w, int c)
    {
        int oh = (h + 2 - 3) / 2 + 1, ow = (w + 2 - 3) / 2 + 1;
        var o = new double[oh * ow * c];
        for (int oy = 0; oy < oh; oy++)
        {
            for (int ox = 0; ox < ow; ox++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    double m = double.NegativeInfinity;
                    for (int ky = 0; ky < 3; ky++)
                    {
                        int iy = oy * 2 - 1 + ky;
                        for (int kx = 0; kx < 3; kx++)
                        {
                            int ix = ox * 2 - 1 + kx;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                            {
                                m = Math.Max(m, x[(iy * w + ix) * c + ch]);
                            }
                        }
                    }
                    o[(oy * ow + ox) * c + ch] = m;
                }
            }
        }
        return o;
    }

    /// <summary>Nearest 2x upsample.</summary>
    public static double[] Upsample2x(ReadOnlySpan<double> x, int h, int w, int c)
    {
        var o = new double[4 * h * w * c];
        for (int y = 0; y < 2 * h; y++)
        {
            for (int xx = 0; xx < 2 * w; xx++)
            {
                x.Slice(((y / 2) * w + xx / 2) * c, c).CopyTo(o.AsSpan((y * 2 * w + xx) * c, c));
            }
        }
        return o;
    }
}
