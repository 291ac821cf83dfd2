"""PyTorch's gradients for corpus models (tests/data/corpus) as tests/engine/tst_train.cpp
computes them. Run with PyTorch 1.13 (Debian's python3-torch):

    /usr/bin/python3 tests/data/train/make_corpus_grads.py

For each case: the model built as the corpus MANIFEST says, every state_dict entry set by the
corpus's fill_value() formula (gen_reference.py; the test computes the same), a batch of 2 from
torch.randn after torch.manual_seed(0), class targets [1, 0], cross-entropy, in eval or training
mode. (Training-mode BatchNorm over these weights and a batch of 2 meets channels of almost no
variance deep in MobileNet, where float32 summation order alone moves gradients by percents:
the held-out models of make_train_reference.py check training-mode BatchNorm.) Writes corpus_grads.json (the cases) and corpus_grads.safetensors: per case the input, the
loss and digests (sum, sum of squares, first 32 values) of the input gradient and of every
parameter's gradient under its named_parameters() name. The cases are the corpus models that
train and run in seconds under a sanitizer build, with every layer type and tensor op among them;
the larger ones (ResNet, VGG, DenseNet, ...) use the same layers at more channels.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.normpath(os.path.join(HERE, "..", "corpus"))
sys.path.insert(0, CORPUS)
sys.path.insert(0, HERE)
import gen_reference  # noqa: E402  (the corpus's loader and fill_value)
from make_train_reference import write_safetensors  # noqa: E402

CASES = [
    # corpus name, mode
    ("cifar_lenet", "train"),
    ("ex_mnist", "eval"),          # dropout: eval mode (ModuleLab's masks differ from PyTorch's)
    ("ex_mnist_2019", "eval"),
    ("cifar_mobilenet", "eval"),   # depthwise convolutions
    ("cifar_efficientnet", "eval"),  # SiLU-style swish, squeeze-excitation products, dropout
]


def digest(t):
    flat = t.detach().flatten().double()
    return torch.cat([flat.sum().reshape(1), (flat * flat).sum().reshape(1), flat[:32]]).float()


def main():
    with open(os.path.join(CORPUS, "MANIFEST.json")) as f:
        manifest = {e["name"]: e for e in json.load(f)["files"]}
    gen_reference.install_torchvision_stand_ins()
    out, listed = {}, []
    for name, mode in CASES:
        entry = manifest[name]
        module = gen_reference.load_file(os.path.join(CORPUS, name + ".py"), name)
        torch.manual_seed(0)
        model = eval(entry["model"], vars(module))
        gen_reference.fill_state(model)
        model.train(mode == "train")
        torch.manual_seed(0)
        x = torch.randn(2, *entry["input"][1:]).requires_grad_()
        target = torch.tensor([1, 0])
        loss = F.cross_entropy(model(x), target)
        loss.backward()
        out[f"{name}.input"] = x.detach()
        out[f"{name}.loss"] = loss.detach().reshape(())
        out[f"{name}.grad.input"] = digest(x.grad)
        for pname, p in model.named_parameters():
            out[f"{name}.grad.{pname}"] = digest(p.grad if p.grad is not None else torch.zeros_like(p))
        listed.append({"name": name, "model": entry["model"], "mode": mode})
        print(name, float(loss))
    out["target"] = torch.tensor([1, 0])
    write_safetensors(os.path.join(HERE, "corpus_grads.safetensors"), out)
    with open(os.path.join(HERE, "corpus_grads.json"), "w") as f:
        json.dump(listed, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
