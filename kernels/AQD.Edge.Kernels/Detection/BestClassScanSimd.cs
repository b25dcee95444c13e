// Best-class scan, SIMD variants (AdvSimd: Vector128, 16 lanes; Avx2: Vector256, 32 lanes).
// Layout and result: as BestClassScanReference. Per row, the classes are compared with the
// threshold in vectors (int8 scores are mapped to the unsigned order by x ^ 0x80, the threshold
// by + 128, so one unsigned compare serves both); the compare masks are OR-ed, and only rows with
// some lane >= threshold go to the scalar twin's row routine for the argmax. Tail: a last vector
// ending at the row's last class (overlapping lanes are compared twice, which is idempotent).
// Rows shorter than one vector use the scalar routine. Comparisons only: no rounding.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AQD.Edge.Kernels.Detection;

internal static class BestClassScanSimd
{
    public static int Run128(ReadOnlySpan<byte> scores, in BestClassScanShape s, Span<ScoreHit> hits)
    {
        if (s.Classes < Vector128<byte>.Count || s.Threshold > (s.Signed ? sbyte.MaxValue : byte.MaxValue))
        {
            return s.Threshold > (s.Signed ? sbyte.MaxValue : byte.MaxValue) ? 0 : BestClassScanReference.Run(scores, s, hits);
        }
        int bias = s.Signed ? 0x80 : 0;
        int t = s.Threshold + (s.Signed ? 128 : 0);   // 0..255 here
        var flip = Vector128.Create((byte)bias);
        var thr = Vector128.Create((byte)t);
        ref byte b = ref MemoryMarshal.GetReference(scores);
        int count = 0, lanes = Vector128<byte>.Count, last = s.Classes - lanes;
        for (int r = 0; r < s.Rows; r++)
        {
            ref byte row = ref Unsafe.Add(ref b, r * s.RowStride + s.First);
            var any = Vector128<byte>.Zero;
            for (int k = 0; k < last; k += lanes)
            {
                any |= Vector128.GreaterThanOrEqual(Vector128.LoadUnsafe(ref row, (nuint)k) ^ flip, thr);
            }
            any |= Vector128.GreaterThanOrEqual(Vector128.LoadUnsafe(ref row, (nuint)last) ^ flip, thr);
            if (any != Vector128<byte>.Zero)
            {
                count = BestClassScanReference.TryRow(scores, s, r, hits, count);
            }
        }
        return count;
    }

    public static int Run256(ReadOnlySpan<byte> scores, in BestClassScanShape s, Span<ScoreHit> hits)
    {
        if (s.Classes < Vector256<byte>.Count || s.Threshold > (s.Signed ? sbyte.MaxValue : byte.MaxValue))
        {
            return s.Threshold > (s.Signed ? sbyte.MaxValue : byte.MaxValue) ? 0 : Run128OrScalar(scores, s, hits);
        }
        int t = s.Threshold + (s.Signed ? 128 : 0);
        var flip = Vector256.Create((byte)(s.Signed ? 0x80 : 0));
        var thr = Vector256.Create((byte)t);
        ref byte b = ref MemoryMarshal.GetReference(scores);
        int count = 0, lanes = Vector256<byte>.Count, last = s.Classes - lanes;
        for (int r = 0; r < s.Rows; r++)
        {
            ref byte row = ref Unsafe.Add(ref b, r * s.RowStride + s.First);
            var any = Vector256<byte>.Zero;
            for (int k = 0; k < last; k += lanes)
            {
                any |= Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref row, (nuint)k) ^ flip, thr);
            }
            any |= Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref row, (nuint)last) ^ flip, thr);
            if (any != Vector256<byte>.Zero)
            {
                count = BestClassScanReference.TryRow(scores, s, r, hits, count);
            }
        }
        return count;
    }

    private static int Run128OrScalar(ReadOnlySpan<byte> scores, in BestClassScanShape s, Span<ScoreHit> hits)
        => s.Classes >= Vector128<byte>.Count ? Run128(scores, s, hits) : BestClassScanReference.Run(scores, s, hits);
}
