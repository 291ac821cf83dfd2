#!/usr/bin/env python3
"""Writes dtypes.safetensors: one small tensor per dtype, encoded with Python's struct module
(independently of ModuleLab's reader), plus __metadata__. Run from this folder."""
import json
import struct

def bf16(values):
    out = b""
    for v in values:
        out += struct.pack("<I", struct.unpack("<I", struct.pack("<f", v))[0] >> 16)[:2]
    return out

tensors = [
    ("f32", "F32", [2, 2], struct.pack("<4f", 1.5, -2.25, 1e-3, 3e38)),
    ("f64", "F64", [3], struct.pack("<3d", 0.1, -1e300, 42.0)),  # -1e300 overflows float32 to -inf
    ("f16", "F16", [4], struct.pack("<4e", 1.0, -0.5, 65504.0, 6e-08)),  # 6e-08: a subnormal half
    ("bf16", "BF16", [2], bf16([3.0, -0.15625])),
    ("i64", "I64", [], struct.pack("<q", 123456789)),
    ("i32", "I32", [2], struct.pack("<2i", -7, 2147483647)),
    ("i16", "I16", [2], struct.pack("<2h", -32768, 12)),
    ("i8", "I8", [3], struct.pack("<3b", -128, 0, 127)),
    ("u8", "U8", [2], struct.pack("<2B", 0, 255)),
    ("bool", "BOOL", [3], bytes([1, 0, 1])),
    ("empty", "F32", [0, 5], b""),
]
header = {"__metadata__": {"format": "pt", "note": "caf\u00e9"}}
data = b""
for name, dtype, shape, raw in tensors:
    header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
text += b" " * ((8 - len(text) % 8) % 8)
with open("dtypes.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
