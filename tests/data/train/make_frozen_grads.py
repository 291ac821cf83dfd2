"""PyTorch's gradients of models with frozen parameters (requires_grad=False), for
tests/engine/tst_train_cli.cpp (gradLeavesOutFrozenParameters). Run with PyTorch 1.13 (Debian's
python3-torch):

    /usr/bin/python3 tests/data/train/make_frozen_grads.py

For each model file of frozen/ named below: its weights after torch.manual_seed(0)
(grad_frozen_<name>.weights.safetensors), an input and class targets
(grad_frozen_<name>.in.safetensors) and what `modulelab-cli grad` must write
(grad_frozen_<name>.ref.safetensors): the loss, the gradient of every parameter whose .grad is
not None after backward (as named_parameters() names them; a frozen one's is None) and the
input's gradient.
"""
import os

import torch
import torch.nn.functional as F

from make_train_reference import write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [("named_filter", [4, 8]), ("thaw_one", [4, 4])]


def main():
    for k, (name, shape) in enumerate(CASES):
        ns = {}
        path = os.path.join(HERE, "frozen", name + ".py")
        torch.manual_seed(0)
        with open(path) as f:
            exec(compile(f.read(), path, "exec"), ns)
        model = ns["model"]
        model.train()
        write_safetensors(os.path.join(HERE, f"grad_frozen_{name}.weights.safetensors"),
                          {n: t.clone() for n, t in model.state_dict().items()})
        torch.manual_seed(300 + k)
        x = torch.randn(*shape).requires_grad_()
        out = model(x)
        target = torch.randint(0, out.shape[1], (shape[0],))
        loss = F.cross_entropy(out, target)
        loss.backward()
        write_safetensors(os.path.join(HERE, f"grad_frozen_{name}.in.safetensors"), {"input": x.detach(), "target": target})
        ref = {"loss": loss.detach().reshape(())}
        for pname, p in model.named_parameters():
            if p.grad is not None:
                ref[pname] = p.grad
        ref["input"] = x.grad
        write_safetensors(os.path.join(HERE, f"grad_frozen_{name}.ref.safetensors"), ref)
        print(name, float(loss), [n for n in ref if n not in ("loss", "input")])


if __name__ == "__main__":
    main()
