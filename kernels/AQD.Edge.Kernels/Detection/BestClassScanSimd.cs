// Best-class scan, SIMD variants (AdvSimd: Vector128; Avx2: Vector256). Layout and result: as
// BestClassScanReference. Per row, the classes are compared with the threshold in vectors: int8
// scores are mapped to the unsigned order by x ^ 0x80 (threshold + 128) so one unsigned byte
// compare serves uint8 and int8; int16 scores use a signed 16-bit compare. The compare masks are
// OR-ed and only rows with some lane >= threshold go to the scalar twin's row routine for the
// argmax. Tail: a last vector ending at the row's last class (overlapping lanes are compared twice,
// which is idempotent); rows shorter than one vector use the scalar routine. Comparisons only.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Detection;

internal static class BestClassScanSimd
{
    public static int Run128(ReadOnlySpan<byte> scores, in BestClassScanShape s, Span<ScoreHit> hits)
    {
        if (s.KeepsNothing)
        {
            return 0;
        }
        if (s.Storage == ActivationStorage.Int16)
        {
            return s.Classes < Vector128<short>.Count ? BestClassScanReference.Run(scores, s, hits)
                : Scan128<short>(scores, MemoryMarshal.Cast<byte, short>(scores), s, hits, (short)s.Threshold, 0);
        }
        bool signed = s.Storage == ActivationStorage.Int8;
        return s.Classes < Vector128<byte>.Count ? BestClassScanReference.Run(scores, s, hits)
            : Scan128<byte>(scores, scores, s, hits, (byte)(s.Threshold + (signed ? 128 : 0)), (byte)(signed ? 0x80 : 0));
    }

    public static int Run256(ReadOnlySpan<byte> scores, in BestClassScanShape s, Span<ScoreHit> hits)
    {
        if (s.KeepsNothing)
        {
            return 0;
        }
        if (s.Storage == ActivationStorage.Int16)
        {
            return s.Classes < Vector256<short>.Count ? Run128(scores, s, hits)
                : Scan256<short>(scores, MemoryMarshal.Cast<byte, short>(scores), s, hits, (short)s.Threshold, 0);
        }
        bool signed = s.Storage == ActivationStorage.Int8;
        return s.Classes < Vector256<byte>.Count ? Run128(scores, s, hits)
            : Scan256<byte>(scores, scores, s, hits, (byte)(s.Threshold + (signed ? 128 : 0)), (byte)(signed ? 0x80 : 0));
    }

    private static int Scan128<T>(ReadOnlySpan<byte> bytes, ReadOnlySpan<T> e, in BestClassScanShape s, Span<ScoreHit> hits, T threshold, T flipBits)
        where T : unmanaged
    {
        var thr = Vector128.Create(threshold);
        var flip = Vector128.Create(flipBits);
        ref T b = ref MemoryMarshal.GetReference(e);
        int count = 0, lanes = Vector128<T>.Count, last = s.Classes - lanes;
        for (int r = 0; r < s.Rows; r++)
        {
            ref T row = ref Unsafe.Add(ref b, r * s.RowStride + s.First);
            var any = Vector128<T>.Zero;
            for (int k = 0; k < last; k += lanes)
            {
                any |= Vector128.GreaterThanOrEqual(Vector128.LoadUnsafe(ref row, (nuint)k) ^ flip, thr);
            }
            any |= Vector128.GreaterThanOrEqual(Vector128.LoadUnsafe(ref row, (nuint)last) ^ flip, thr);
            if (any != Vector128<T>.Zero)
            {
                count = BestClassScanReference.TryRow(bytes, s, r, hits, count);
            }
        }
        return count;
    }

    private static int Scan256<T>(ReadOnlySpan<byte> bytes, ReadOnlySpan<T> e, in BestClassScanShape s, Span<ScoreHit> hits, T threshold, T flipBits)
        where T : unmanaged
    {
        var thr = Vector256.Create(threshold);
        var flip = Vector256.Create(flipBits);
        ref T b = ref MemoryMarshal.GetReference(e);
        int count = 0, lanes = Vector256<T>.Count, last = s.Classes - lanes;
        for (int r = 0; r < s.Rows; r++)
        {
            ref T row = ref Unsafe.Add(ref b, r * s.RowStride + s.First);
            var any = Vector256<T>.Zero;
            for (int k = 0; k < last; k += lanes)
            {
                any |= Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref row, (nuint)k) ^ flip, thr);
            }
            any |= Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref row, (nuint)last) ^ flip, thr);
            if (any != Vector256<T>.Zero)
            {
                count = BestClassScanReference.TryRow(bytes, s, r, hits, count);
            }
        }
        return count;
    }
}
