import json, gzip, struct
imgs = bytearray(); labels = bytearray(); n = 0
counts = []
for d in range(10):
    data = json.load(open(f'package/src/digits/{d}.json'))['data']
    assert len(data) % 784 == 0
    k = len(data)//784; counts.append(k)
    for v in data:
        b = round(v*255)
        assert 0 <= b <= 255 and abs(b/255 - v) < 0.0006, v
        imgs.append(b)
    labels.extend([d]*k); n += k
print(n, counts)
with gzip.GzipFile('mnist-10k-images-idx3-ubyte.gz', 'wb', mtime=0) as f:
    f.write(struct.pack('>IIII', 0x803, n, 28, 28)); f.write(imgs)
with gzip.GzipFile('mnist-10k-labels-idx1-ubyte.gz', 'wb', mtime=0) as f:
    f.write(struct.pack('>II', 0x801, n)); f.write(labels)
