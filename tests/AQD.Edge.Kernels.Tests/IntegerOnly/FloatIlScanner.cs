using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace AQD.Edge.Kernels.Tests.IntegerOnly;

/// <summary>One use of floating point found by <see cref="FloatIlScanner"/>.</summary>
/// <param name="Type">Full type name, nested types after '+' (reflection's spelling).</param>
/// <param name="Member">Method or field name.</param>
/// <param name="What">The opcode name, or a description (local, field, signature, call).</param>
/// <param name="Offset">IL offset of the instruction, when the violation is an instruction.</param>
public sealed record IlViolation(string Type, string Member, string What, int? Offset)
{
    public override string ToString() =>
        Offset is { } o ? $"{Type}.{Member}: {What} at IL_{o:x4}" : $"{Type}.{Member}: {What}";
}

/// <summary>What a scan saw and found.</summary>
public sealed class IlScanResult
{
    public required string Assembly { get; init; }
    public List<IlViolation> Violations { get; } = [];
    public List<string> ScannedTypes { get; } = [];
    public List<string> ExcludedTypes { get; } = [];
    public int Methods { get; set; }
    public int Bodies { get; set; }
    public int Instructions { get; set; }

    public string Summary =>
        $"AQD-ILSCAN {Assembly}: {ScannedTypes.Count} types scanned ({ExcludedTypes.Count} excluded), " +
        $"{Methods} methods, {Bodies} IL bodies, {Instructions} instructions decoded: {Violations.Count} floating-point violation(s)";
}

/// <summary>
/// Integer-only check of an assembly's IL: every method body, local, field, parameter, return type
/// and referenced method/field/type of every type in scope is checked for floating point.
/// A type's scope is decided by its top-level declaring type's namespace, so lambdas, closures,
/// iterators and local functions (compiler-generated nested types and methods) belong to the
/// namespace of the code that declared them.
/// </summary>
public static class FloatIlScanner
{
    private static readonly HashSet<string> FloatOpcodes =
    [
        "ldc.r4", "ldc.r8", "conv.r4", "conv.r8", "conv.r.un", "ckfinite",
        "ldind.r4", "ldind.r8", "stind.r4", "stind.r8",
        "ldelem.r4", "ldelem.r8", "stelem.r4", "stelem.r8",
    ];

    /// <summary>
    /// A scope predicate over namespaces: inside <paramref name="root"/> (and its sub-namespaces;
    /// null = every namespace, the global one included) but outside each of <paramref name="excluded"/>
    /// (and their sub-namespaces).
    /// </summary>
    public static Func<string, bool> NamespaceScope(string? root, params string[] excluded) =>
        ns => (root is null || IsWithin(ns, root)) && !excluded.Any(e => IsWithin(ns, e));

    public static bool IsWithin(string ns, string root) =>
        ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);

    /// <summary>Scans the assembly file; <paramref name="inScope"/> receives a type's effective namespace.</summary>
    public static IlScanResult Scan(string assemblyPath, Func<string, bool> inScope)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var result = new IlScanResult { Assembly = Path.GetFileName(assemblyPath) };
        var provider = FloatSignatureProvider.Instance;

        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            string typeName = FloatSignatureProvider.FullName(md, typeHandle);
            if (!inScope(EffectiveNamespace(md, typeHandle)))
            {
                result.ExcludedTypes.Add(typeName);
                continue;
            }
            result.ScannedTypes.Add(typeName);

            foreach (var fieldHandle in type.GetFields())
            {
                var field = md.GetFieldDefinition(fieldHandle);
                var fieldType = field.DecodeSignature(provider, null);
                if (fieldType.IsFloat)
                {
                    result.Violations.Add(new(typeName, md.GetString(field.Name), $"field of type {fieldType}", null));
                }
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                string member = md.GetString(method.Name);
                result.Methods++;
                var signature = method.DecodeSignature(provider, null);
                if (FloatSignatureProvider.Mentions(signature))
                {
                    result.Violations.Add(new(typeName, member, $"signature {FloatSignatureProvider.Format(signature)}", null));
                }
                if (method.RelativeVirtualAddress != 0)
                {
                    ScanBody(md, pe.GetMethodBody(method.RelativeVirtualAddress), typeName, member, result);
                }
            }
        }
        return result;
    }

    /// <summary>The namespace of the outermost declaring type (nested types have none of their own).</summary>
    public static string EffectiveNamespace(MetadataReader md, TypeDefinitionHandle handle)
    {
        var type = md.GetTypeDefinition(handle);
        while (!type.GetDeclaringType().IsNil)
        {
            type = md.GetTypeDefinition(type.GetDeclaringType());
        }
        return md.GetString(type.Namespace);
    }

    private static void ScanBody(MetadataReader md, MethodBodyBlock body, string typeName, string member, IlScanResult result)
    {
        var provider = FloatSignatureProvider.Instance;
        result.Bodies++;
        if (!body.LocalSignature.IsNil)
        {
            var locals = md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(provider, null);
            for (int i = 0; i < locals.Length; i++)
            {
                if (locals[i].IsFloat)
                {
                    result.Violations.Add(new(typeName, member, $"local V_{i} of type {locals[i]}", null));
                }
            }
        }

        foreach (var instruction in IlOpcodeTable.Decode(body.GetILReader()))
        {
            result.Instructions++;
            var op = instruction.OpCode;
            if (FloatOpcodes.Contains(op.Name!))
            {
                result.Violations.Add(new(typeName, member, op.Name!, instruction.Offset));
                continue;
            }
            string? why = op.OperandType switch
            {
                OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok =>
                    DescribeFloatToken(md, MetadataTokens.EntityHandle((int)instruction.Operand)),
                OperandType.InlineSig => DescribeFloatStandalone(md, (int)instruction.Operand),
                _ => null,
            };
            if (why is not null)
            {
                result.Violations.Add(new(typeName, member, $"{op.Name} {why}", instruction.Offset));
            }
        }
    }

    // Describes a referenced method, field or type if it mentions floating point; null otherwise.
    private static string? DescribeFloatToken(MetadataReader md, EntityHandle handle)
    {
        var provider = FloatSignatureProvider.Instance;
        switch (handle.Kind)
        {
            case HandleKind.MethodDefinition:
            {
                var method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                var sig = method.DecodeSignature(provider, null);
                string name = $"{FloatSignatureProvider.FullName(md, method.GetDeclaringType())}.{md.GetString(method.Name)}";
                return FloatSignatureProvider.Mentions(sig) ? $"{name}{FloatSignatureProvider.Format(sig)}" : null;
            }
            case HandleKind.MemberReference:
            {
                var reference = md.GetMemberReference((MemberReferenceHandle)handle);
                var parent = DescribeParent(md, reference.Parent);
                string name = $"{parent.Name}.{md.GetString(reference.Name)}";
                if (reference.GetKind() == MemberReferenceKind.Method)
                {
                    var sig = reference.DecodeMethodSignature(provider, null);
                    return parent.IsFloat || FloatSignatureProvider.Mentions(sig) ? $"{name}{FloatSignatureProvider.Format(sig)}" : null;
                }
                var fieldType = reference.DecodeFieldSignature(provider, null);
                return parent.IsFloat || fieldType.IsFloat ? $"{name} : {fieldType}" : null;
            }
            case HandleKind.MethodSpecification:
            {
                var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                var arguments = spec.DecodeSignature(provider, null);
                string? inner = DescribeFloatToken(md, spec.Method);
                if (inner is not null)
                {
                    return inner;
                }
                return arguments.Any(a => a.IsFloat)
                    ? $"generic method instantiated <{string.Join(", ", arguments)}>"
                    : null;
            }
            case HandleKind.FieldDefinition:
            {
                var field = md.GetFieldDefinition((FieldDefinitionHandle)handle);
                var fieldType = field.DecodeSignature(provider, null);
                return fieldType.IsFloat ? $"{md.GetString(field.Name)} : {fieldType}" : null;
            }
            case HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification:
            {
                var type = DescribeParent(md, handle);
                return type.IsFloat ? $"type {type}" : null;
            }
            default:
                return null;
        }
    }

    private static SigType DescribeParent(MetadataReader md, EntityHandle parent)
    {
        var provider = FloatSignatureProvider.Instance;
        return parent.Kind switch
        {
            HandleKind.TypeDefinition => provider.GetTypeFromDefinition(md, (TypeDefinitionHandle)parent, 0),
            HandleKind.TypeReference => provider.GetTypeFromReference(md, (TypeReferenceHandle)parent, 0),
            HandleKind.TypeSpecification => provider.GetTypeFromSpecification(md, null, (TypeSpecificationHandle)parent, 0),
            HandleKind.MethodDefinition => new(md.GetString(md.GetMethodDefinition((MethodDefinitionHandle)parent).Name), false),
            HandleKind.ModuleReference => new(md.GetString(md.GetModuleReference((ModuleReferenceHandle)parent).Name), false),
            _ => new(parent.Kind.ToString(), false),
        };
    }

    private static string? DescribeFloatStandalone(MetadataReader md, int token)
    {
        var handle = (StandaloneSignatureHandle)MetadataTokens.EntityHandle(token);
        var sig = md.GetStandaloneSignature(handle).DecodeMethodSignature(FloatSignatureProvider.Instance, null);
        return FloatSignatureProvider.Mentions(sig) ? $"calli {FloatSignatureProvider.Format(sig)}" : null;
    }
}
