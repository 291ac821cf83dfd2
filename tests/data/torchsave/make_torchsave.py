"""torch.save files for tests/engine/tst_torchsave.cpp, written by real PyTorch (1.13), and the
check that PyTorch reads what ModuleLab writes.

    /usr/bin/python3 tests/data/torchsave/make_torchsave.py [build/cli/modulelab-cli]

Step 1 (always): three models, every variant a user meets:
  * FashionCNN (resources/examples/fashion_cnn.py, weights fashion_cnn.safetensors):
    fashion_state_dict.pth (zip format), fashion_checkpoint.pt (a training checkpoint dict with
    optimizer state, epoch and metrics), fashion_dataparallel.pth ('module.' prefixes),
    fashion_legacy.pth (_use_new_zipfile_serialization=False), fashion_f16.pth (float16), and
    fashion_reference.safetensors: PyTorch's forward output for a fixed input with the float32
    and with the float16 weights;
  * TinyCNN (tests/data/numeric/tiny_cnn.py + tiny_cnn.weights.safetensors): tiny_gan.ckpt (a
    checkpoint holding two state_dicts, 'generator' an MLP and 'discriminator' the TinyCNN) and
    tiny_bigendian.pt (the zip format with a 'byteorder' record saying big, as PyTorch 2.x writes
    on big-endian machines; 1.13 writes no such record, so this one is re-packed here);
  * MLP (mlp.py): mlp_bf16.pt, mlp_f64.pt, mlp_f16_legacy.pth, mlp_params.pt (keep_vars=True:
    nn.Parameter objects), mlp_views.pt (tensors viewing one shared storage with offsets and
    strides, one transposed) and mlp_expected.safetensors (what each should read as, float32);
  * hostile/: files that must be refused: a pickle whose __reduce__ calls os.system, pickled
    whole models (zip and legacy), a storage that declares 2^40 elements, a tensor past the end of
    its storage, a string longer than the file, a 100000-deep list, a memo "billion laughs".
    (hostile/fuzz_*.pth are inputs fuzz/fuzz_torchsave found; they are kept, not generated.)
Step 2 (with the modulelab-cli path): ModuleLab converts fashion_cnn.safetensors and
TinyCNN's and mlp_expected's weights to .pth (in a temporary folder), torch.load(weights_only=True)
reads them, and written.json records that every key and every bit equals the source, with the
SHA-256 of each file: the test writes them again and checks that they are those very bytes.
"""
import collections
import hashlib
import importlib.util
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "images"))
import safetensors_writer  # noqa: E402

torch.manual_seed(0)


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = collections.OrderedDict()
    types = {"F32": torch.float32, "I64": torch.int64}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = bytearray(data[8 + n + b:8 + n + end])
        t = torch.frombuffer(raw, dtype=types[e["dtype"]]) if raw else torch.zeros(0, dtype=types[e["dtype"]])
        out[name] = t.reshape(e["shape"]).clone()
    return out


def out(name):
    return os.path.join(HERE, name)


# ---- FashionCNN -----------------------------------------------------------------------------
fashion_mod = load_module(os.path.join(ROOT, "resources", "examples", "fashion_cnn.py"), "fashion_cnn")
fashion = fashion_mod.FashionCNN()
fashion.load_state_dict(read_safetensors(os.path.join(ROOT, "resources", "examples", "fashion_cnn.safetensors")))
fashion.eval()
sd = fashion.state_dict()
torch.save(sd, out("fashion_state_dict.pth"))
opt = torch.optim.SGD(fashion.parameters(), lr=0.01)
torch.save({"epoch": 7, "model_state_dict": sd, "optimizer_state_dict": opt.state_dict(), "loss": 0.3125,
            "best_acc": 0.91}, out("fashion_checkpoint.pt"))
torch.save(torch.nn.DataParallel(fashion).state_dict(), out("fashion_dataparallel.pth"))
torch.save(sd, out("fashion_legacy.pth"), _use_new_zipfile_serialization=False)
sd16 = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in sd.items())
torch.save(sd16, out("fashion_f16.pth"))
x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(1))
with torch.no_grad():
    y32 = fashion(x)
    fashion16 = fashion_mod.FashionCNN()
    fashion16.load_state_dict(collections.OrderedDict((k, v.float() if v.is_floating_point() else v) for k, v in sd16.items()))
    fashion16.eval()
    y16 = fashion16(x)
safetensors_writer.write(out("fashion_reference.safetensors"), {"input": x, "output_f32": y32, "output_f16": y16})

# ---- TinyCNN --------------------------------------------------------------------------------
tiny_mod = load_module(os.path.join(ROOT, "tests", "data", "numeric", "tiny_cnn.py"), "tiny_cnn")
tiny = tiny_mod.TinyCNN(1, 10)
tiny.load_state_dict(read_safetensors(os.path.join(ROOT, "tests", "data", "numeric", "tiny_cnn.weights.safetensors")))
mlp_mod = load_module(out("mlp.py"), "mlp")
mlp = mlp_mod.MLP()
adam = torch.optim.Adam(mlp.parameters())
mlp(torch.rand(2, 6)).sum().backward()
adam.step()  # optimizer state with tensors under integer keys, beside the state_dicts
torch.save({"generator": mlp.state_dict(), "discriminator": tiny.state_dict(), "epoch": 12,
            "g_optimizer": adam.state_dict()}, out("tiny_gan.ckpt"))

buf = io.BytesIO()
torch.save(tiny.state_dict(), buf)
dtypes = [v.dtype for v in tiny.state_dict().values()]  # storage i belongs to the i-th tensor
with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, \
        zipfile.ZipFile(out("tiny_bigendian.pt"), "w", zipfile.ZIP_STORED) as zout:
    for info in zin.infolist():
        data = zin.read(info)
        name = info.filename.split("/", 1)[1]
        if name.startswith("data/"):
            size = torch.tensor([], dtype=dtypes[int(name[5:])]).element_size()
            data = b"".join(data[i:i + size][::-1] for i in range(0, len(data), size))
        zout.writestr("tiny_bigendian/" + name, data)
        if name == "data.pkl":
            zout.writestr("tiny_bigendian/byteorder", b"big")

# ---- MLP ------------------------------------------------------------------------------------
msd = mlp.state_dict()
expected = collections.OrderedDict()
bf = collections.OrderedDict((k, v.bfloat16()) for k, v in msd.items())
torch.save(bf, out("mlp_bf16.pt"))
f64 = collections.OrderedDict((k, v.double() * 1.000000001) for k, v in msd.items())
torch.save(f64, out("mlp_f64.pt"))
f16 = collections.OrderedDict((k, v.half()) for k, v in msd.items())
torch.save(f16, out("mlp_f16_legacy.pth"), _use_new_zipfile_serialization=False)
torch.save(mlp.state_dict(keep_vars=True), out("mlp_params.pt"))
flat = torch.randn(200)
views = collections.OrderedDict([
    ("fc1.weight", torch.randn(6, 5).t()),          # strides (1, 5)
    ("fc1.bias", flat[3:8]),                         # offset 3
    ("fc2.weight", flat[20:35].view(3, 5)),          # offset 20, same storage
    ("fc2.bias", flat[100::7][:3]),                  # offset 100, stride 7
])
torch.save(views, out("mlp_views.pt"))
for tag, d in (("bf16", bf), ("f64", f64), ("f16", f16), ("params", msd), ("views", views)):
    for k, v in d.items():
        expected[tag + "/" + k] = v.detach().float()
for k, v in msd.items():
    expected[k] = v
safetensors_writer.write(out("mlp_expected.safetensors"), expected)

# ---- hostile files --------------------------------------------------------------------------
os.makedirs(out("hostile"), exist_ok=True)


class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/modulelab-pickle-ran",))


torch.save({"fc1.weight": torch.zeros(5, 6), "payload": Evil()}, out("hostile/evil_reduce.pt"))
torch.save(mlp, out("hostile/pickled_model.pt"))
torch.save(mlp, out("hostile/pickled_model_legacy.pt"), _use_new_zipfile_serialization=False)


class FakeStorage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class FakeTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class CraftPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel)
        return None


def crafted_zip(name, pkl, records):
    with zipfile.ZipFile(out("hostile/" + name), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", pkl)
        for key, data in records.items():
            z.writestr("archive/data/" + key, data)
        z.writestr("archive/version", b"3\n")


def crafted_pickle(obj):
    b = io.BytesIO()
    CraftPickler(b, protocol=2).dump(obj)
    return b.getvalue()


four = struct.pack("<4f", 1, 2, 3, 4)
crafted_zip("huge_numel.pt", crafted_pickle({"w": FakeTensor(FakeStorage("0", 2 ** 40), 0, (2 ** 20, 2 ** 20), (2 ** 20, 1))}),
            {"0": four})
crafted_zip("offset_past_end.pt", crafted_pickle({"w": FakeTensor(FakeStorage("0", 4), 10, (2,), (1,))}), {"0": four})
crafted_zip("stride_past_end.pt", crafted_pickle({"w": FakeTensor(FakeStorage("0", 4), 0, (2, 2), (3, 1))}), {"0": four})
crafted_zip("huge_string.pt", b"\x80\x02X\xf0\xff\xff\xffabc", {})
n = 100000
crafted_zip("deep_lists.pt", b"\x80\x02" + b"]" * n + b"a" * (n - 1) + b".", {})
# 60 levels of lists holding the level below ten times: 10^60 elements if expanded.
crafted_zip("memo_bomb.pt", b"\x80\x02]q\x000" + (b"(" + b"h\x00" * 10 + b"lq\x000") * 60 + b"h\x00.", {})

# ---- step 2: what ModuleLab writes, read by PyTorch -----------------------------------------
if len(sys.argv) > 1:
    cli = sys.argv[1]
    tmp = tempfile.mkdtemp()
    results = {}
    sources = {
        "fashion_cnn.pth": os.path.join(ROOT, "resources", "examples", "fashion_cnn.safetensors"),
        "tiny_cnn.pth": os.path.join(ROOT, "tests", "data", "numeric", "tiny_cnn.weights.safetensors"),
        "mlp.pth": out("mlp_expected.safetensors"),
    }
    for name, src in sources.items():
        dst = os.path.join(tmp, name)
        subprocess.run([cli, "convert-weights", src, dst], check=True)
        got = torch.load(dst, weights_only=True)
        want = read_safetensors(src)
        same = list(got.keys()) == list(want.keys()) and all(
            got[k].dtype == want[k].dtype and got[k].shape == want[k].shape
            and got[k].contiguous().numpy().tobytes() == want[k].numpy().tobytes() for k in want)
        with open(dst, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        results[name] = {"source": os.path.relpath(src, ROOT), "keys": len(got), "equal_key_for_key_bit_for_bit": same,
                         "sha256": digest, "torch": torch.__version__}
        print(name, "equal" if same else "DIFFERENT")
    with open(out("written.json"), "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
