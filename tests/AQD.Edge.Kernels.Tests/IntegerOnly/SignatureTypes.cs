using System.Collections.Immutable;
using System.Reflection.Metadata;

namespace AQD.Edge.Kernels.Tests.IntegerOnly;

/// <summary>A decoded signature type: its display name and whether it is or contains a floating-point type.</summary>
public readonly record struct SigType(string Name, bool IsFloat)
{
    public override string ToString() => Name;
}

/// <summary>
/// Decodes metadata signatures into <see cref="SigType"/>s, marking float32/float64 and every type
/// built on them: System.Half, System.Decimal, System.Numerics vectors/matrices/complex, and any
/// generic instantiation, array, pointer or by-ref over such a type (e.g. Vector128&lt;float&gt;).
/// </summary>
public sealed class FloatSignatureProvider : ISignatureTypeProvider<SigType, object?>
{
    public static readonly FloatSignatureProvider Instance = new();

    private static readonly HashSet<string> FloatTypeNames =
    [
        "System.Single", "System.Double", "System.Half", "System.Decimal",
        "System.Runtime.InteropServices.NFloat",
        "System.Numerics.Vector2", "System.Numerics.Vector3", "System.Numerics.Vector4",
        "System.Numerics.Quaternion", "System.Numerics.Plane", "System.Numerics.Matrix3x2",
        "System.Numerics.Matrix4x4", "System.Numerics.Complex",
    ];

    public SigType GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode switch
    {
        PrimitiveTypeCode.Single => new("float", true),
        PrimitiveTypeCode.Double => new("double", true),
        _ => new(typeCode.ToString().ToLowerInvariant(), false),
    };

    public SigType GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
        Named(FullName(reader, handle));

    public SigType GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
        Named(FullName(reader, handle));

    public SigType GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

    public SigType GetSZArrayType(SigType elementType) => elementType with { Name = elementType.Name + "[]" };

    public SigType GetArrayType(SigType elementType, ArrayShape shape) =>
        elementType with { Name = elementType.Name + "[" + new string(',', Math.Max(0, shape.Rank - 1)) + "]" };

    public SigType GetByReferenceType(SigType elementType) => elementType with { Name = "ref " + elementType.Name };

    public SigType GetPointerType(SigType elementType) => elementType with { Name = elementType.Name + "*" };

    public SigType GetPinnedType(SigType elementType) => elementType with { Name = "pinned " + elementType.Name };

    public SigType GetModifiedType(SigType modifier, SigType unmodifiedType, bool isRequired) => unmodifiedType;

    public SigType GetGenericInstantiation(SigType genericType, ImmutableArray<SigType> typeArguments) =>
        new($"{genericType.Name}<{string.Join(", ", typeArguments)}>",
            genericType.IsFloat || typeArguments.Any(t => t.IsFloat));

    public SigType GetGenericTypeParameter(object? genericContext, int index) => new("!" + index, false);

    public SigType GetGenericMethodParameter(object? genericContext, int index) => new("!!" + index, false);

    public SigType GetFunctionPointerType(MethodSignature<SigType> signature) =>
        new($"delegate*<{string.Join(", ", signature.ParameterTypes.Append(signature.ReturnType))}>", Mentions(signature));

    /// <summary>Whether a method signature has a floating-point return or parameter type.</summary>
    public static bool Mentions(MethodSignature<SigType> signature) =>
        signature.ReturnType.IsFloat || signature.ParameterTypes.Any(p => p.IsFloat);

    public static string Format(MethodSignature<SigType> signature) =>
        $"({string.Join(", ", signature.ParameterTypes)}) -> {signature.ReturnType}";

    private static SigType Named(string fullName) => new(fullName, FloatTypeNames.Contains(fullName));

    public static string FullName(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        string name = reader.GetString(type.Name);
        var declaring = type.GetDeclaringType();
        if (!declaring.IsNil)
        {
            return FullName(reader, declaring) + "+" + name;
        }
        string ns = reader.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    public static string FullName(MetadataReader reader, TypeReferenceHandle handle)
    {
        var type = reader.GetTypeReference(handle);
        string name = reader.GetString(type.Name);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            return FullName(reader, (TypeReferenceHandle)type.ResolutionScope) + "+" + name;
        }
        string ns = reader.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }
}
