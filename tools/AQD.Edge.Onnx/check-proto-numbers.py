#!/usr/bin/env python3
# Compares field numbers and enum values of onnx.proto3 (argv[1]) with the descriptors of the
# installed python onnx package (Debian: apt-get install python3-onnx; run with /usr/bin/python3).
# Prints every mismatch, fields the package does not know and fields we do not declare.
import re, sys
import onnx
from onnx import onnx_pb as P
from google.protobuf import descriptor as D
src = open(sys.argv[1]).read()
# strip comments
src = re.sub(r'//[^\n]*', '', src)
# parse messages/enums with nesting
tokens = re.findall(r'\b(message|enum|oneof)\s+(\w+)\s*\{|(\})|((?:repeated\s+)?[\w.]+\s+\w+\s*=\s*-?\d+)|(\w+\s*=\s*-?\d+)\s*;', src)
stack=[]; ours={}
for kind,name,close,field,enumval in tokens:
    if kind:
        stack.append((kind,name))
    elif close:
        if stack: stack.pop()
    elif field and stack and stack[-1][0] in ('message','oneof'):
        m=re.match(r'(?:repeated\s+)?([\w.]+)\s+(\w+)\s*=\s*(-?\d+)',field)
        path='.'.join(n for k,n in stack if k!='oneof')
        ours[(path,m.group(2))]=int(m.group(3))
    elif (field or enumval) and stack and stack[-1][0]=='enum':
        s=field or enumval
        m=re.match(r'.*?(\w+)\s*=\s*(-?\d+)',s)
        path='.'.join(n for k,n in stack if k!='oneof')
        ours[(path,m.group(1))]=int(m.group(2))
theirs={}
def walk_enum(e,prefix):
    for v in e.values: theirs[(prefix+e.name, v.name)]=v.number
def walk(m,prefix):
    p=prefix+m.name
    for f in m.fields: theirs[(p,f.name)]=f.number
    for e in m.enum_types: walk_enum(e,p+'.')
    for n in m.nested_types: walk(n,p+'.')
fd=P.DESCRIPTOR
for m in fd.message_types_by_name.values(): walk(m,'')
for e in fd.enum_types_by_name.values(): walk_enum(e,'')
print("onnx", onnx.__version__, "IR", onnx.IR_VERSION)
msgs=set(k[0] for k in ours)
bad=0; checked=0
for k,v in sorted(ours.items()):
    if k in theirs:
        checked+=1
        if theirs[k]!=v: print("MISMATCH",k,"ours",v,"debian",theirs[k]); bad+=1
    else: print("not in debian 1.12:",k,v)
for k,v in sorted(theirs.items()):
    if k[0] in msgs and k not in ours: print("missing in ours:",k,v)
print("checked",checked,"mismatches",bad)
