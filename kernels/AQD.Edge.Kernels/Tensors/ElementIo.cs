// Element access shared by the element-wise, pooling and resize families.
// Layout: contiguous elements of one unpacked activation container: byte (uint8 / unsigned b-bit,
// one per byte), sbyte (int8) or short (int16, little-endian). No packed weights.
// Loads widen 8 consecutive elements to int32 lanes (zero-extend for byte, sign-extend otherwise);
// stores narrow 8 int32 lanes back. Stores assume every lane already lies inside the container's
// range (kernels clamp first), so the narrowing (truncating on AdvSimd, saturating on Avx2) is exact.
// No arithmetic, no rounding.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace AQD.Edge.Kernels.Tensors;

/// <summary>Typed element helpers for byte / sbyte / short activation containers.</summary>
internal static class ElementIo
{
    /// <summary>Whether <typeparamref name="T"/> is one of the unpacked activation containers.</summary>
    public static bool IsContainer<T>() where T : unmanaged
        => typeof(T) == typeof(byte) || typeof(T) == typeof(sbyte) || typeof(T) == typeof(short);

    /// <summary>The storage kind <typeparamref name="T"/> holds (UInt8 for byte).</summary>
    public static ActivationStorage StorageOf<T>() where T : unmanaged
        => typeof(T) == typeof(sbyte) ? ActivationStorage.Int8
            : typeof(T) == typeof(short) ? ActivationStorage.Int16
            : ActivationStorage.UInt8;

    /// <summary>Throws unless <typeparamref name="T"/> is the container of <paramref name="format"/>.</summary>
    public static void CheckType<T>(ActivationFormat format, string what) where T : unmanaged
    {
        if (!IsContainer<T>() || StorageOf<T>() != format.Storage)
        {
            throw new ArgumentException(
                $"{what}: element type {typeof(T).Name} does not hold {format} (byte = uint8/unsigned, sbyte = int8, short = int16).");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ToInt<T>(T value) where T : unmanaged
    {
        if (typeof(T) == typeof(byte))
        {
            return Unsafe.As<T, byte>(ref value);
        }
        if (typeof(T) == typeof(sbyte))
        {
            return Unsafe.As<T, sbyte>(ref value);
        }
        return Unsafe.As<T, short>(ref value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromInt<T>(int value) where T : unmanaged
    {
        if (typeof(T) == typeof(byte))
        {
            byte b = (byte)value;
            return Unsafe.As<byte, T>(ref b);
        }
        if (typeof(T) == typeof(sbyte))
        {
            sbyte s = (sbyte)value;
            return Unsafe.As<sbyte, T>(ref s);
        }
        short h = (short)value;
        return Unsafe.As<short, T>(ref h);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T At<T>(ReadOnlySpan<T> span, int index) where T : unmanaged
        => ref Unsafe.Add(ref MemoryMarshal.GetReference(span), index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T At<T>(Span<T> span, int index) where T : unmanaged
        => ref Unsafe.Add(ref MemoryMarshal.GetReference(span), index);

    // ---- AVX2: 8 elements <-> one Vector256<int> ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load8x256<T>(ref T p) where T : unmanaged
    {
        if (typeof(T) == typeof(short))
        {
            return Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref Unsafe.As<T, short>(ref p)));
        }
        Vector128<long> raw = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<T, byte>(ref p)));
        return typeof(T) == typeof(byte)
            ? Avx2.ConvertToVector256Int32(raw.AsByte())
            : Avx2.ConvertToVector256Int32(raw.AsSByte());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store8x256<T>(ref T p, Vector256<int> v) where T : unmanaged
    {
        // VPACKSSDW packs within 128-bit lanes: [v0..3 v0..3 | v4..7 v4..7]; take qwords 0 and 2.
        Vector128<short> s = Avx2.Permute4x64(Avx2.PackSignedSaturate(v, v).AsInt64(), 0b10_00_10_00).GetLower().AsInt16();
        if (typeof(T) == typeof(short))
        {
            s.StoreUnsafe(ref Unsafe.As<T, short>(ref p));
            return;
        }
        Vector128<byte> b = typeof(T) == typeof(byte) ? Sse2.PackUnsignedSaturate(s, s) : Sse2.PackSignedSaturate(s, s).AsByte();
        Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref p), b.AsInt64().ToScalar());
    }

    // ---- AdvSimd: 8 elements <-> two Vector128<int> ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load8x128<T>(ref T p, out Vector128<int> lo, out Vector128<int> hi) where T : unmanaged
    {
        if (typeof(T) == typeof(byte))
        {
            Vector128<ushort> w = AdvSimd.ZeroExtendWideningLower(Vector64.LoadUnsafe(ref Unsafe.As<T, byte>(ref p)));
            lo = AdvSimd.ZeroExtendWideningLower(w.GetLower()).AsInt32();
            hi = AdvSimd.ZeroExtendWideningUpper(w).AsInt32();
            return;
        }
        Vector128<short> h = typeof(T) == typeof(sbyte)
            ? AdvSimd.SignExtendWideningLower(Vector64.LoadUnsafe(ref Unsafe.As<T, sbyte>(ref p)))
            : Vector128.LoadUnsafe(ref Unsafe.As<T, short>(ref p));
        lo = AdvSimd.SignExtendWideningLower(h.GetLower());
        hi = AdvSimd.SignExtendWideningUpper(h);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store8x128<T>(ref T p, Vector128<int> lo, Vector128<int> hi) where T : unmanaged
    {
        Vector128<short> s = AdvSimd.ExtractNarrowingUpper(AdvSimd.ExtractNarrowingLower(lo), hi);
        if (typeof(T) == typeof(short))
        {
            s.StoreUnsafe(ref Unsafe.As<T, short>(ref p));
            return;
        }
        AdvSimd.ExtractNarrowingLower(s).AsByte().StoreUnsafe(ref Unsafe.As<T, byte>(ref p));
    }
}
