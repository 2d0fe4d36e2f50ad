#!/usr/bin/python3
"""gen_mlp.py - PyTorch golden values for the structured branch (tests/nn/test-mlp.c).

Writes tests/nn/golden/mlp.json (committed, so `make check` needs no torch).
The model is include/yujing/model/structured.h built from torch.nn with the
same state-dict names:

  sources.S.layers.L.linear   nn.Linear(in, H)          (weight [out, in])
  sources.S.layers.L.bn       nn.BatchNorm1d(H, eps=1e-5, momentum=0.1)
                              then ReLU, DEPTH blocks per source
  proj                        nn.Linear(S*H, P, bias=False) over the
                              concatenated source vectors
  classifier                  nn.Linear(P, K), softmax cross-entropy

From fixed float32 weights (BatchNorm affine parameters and running
statistics made non-trivial) and one fixed batch, in training mode:

  step 1   forward: logits, loss (unweighted cross-entropy); backward: the
           gradient of every trainable tensor; the running statistics after
           the forward; then AdamW
  step 2   forward with class weights (loss2), backward,
           clip_grad_norm_(max_norm) (norm2), AdamW
  after    every tensor (trainable and running statistics) after the two
           steps, and the logits of an eval-mode forward (running statistics)

AdamW(lr, betas=(0.9, 0.999), eps=1e-8) has two parameter groups, as yujing
decays only the tensors declared with decay (include/yujing/nn/params.h):
Linear weights and proj.weight use weight_decay=WD, biases and BatchNorm
parameters 0.

The gradient of a Linear bias feeding a training-mode BatchNorm is exactly
zero (BatchNorm subtracts the batch mean).  Computed in float32 it is
rounding noise of about 1e-9, which AdamW turns into an update of
lr * g / (|g| + eps), anything up to lr, and through the running mean and
the eval-mode logits that noise would reach every later value.  So both
sides set those gradients to exactly zero after each backward pass (the
tensors are listed under "zero_grad"; the C test first checks that its own
gradient there is zero to rounding).

Every other value must be well-conditioned, so that an implementation that
merely rounds differently passes: the same computation in float64 agrees
with the float32 golden values to 1e-6 relative in the forward values and
1e-5 in the gradients and updated tensors, a tenth of the C test's
tolerances (elements below 1e-6 compared absolutely, as there), and no
BatchNorm output (a ReLU input) lies within 1e-3 of zero, so no rounding
lands on the other side of a kink.  The data seed is the first from
20240612 for which that holds and clip_grad_norm_ really clips.

Values are float32 printed with 9 significant digits, which round-trips
exactly through strtod and a cast to float.

Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/gen_mlp.py
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)

S, IN, H, DEPTH, P, K, B = 2, (4, 3), 3, 2, 3, 3, 6
LR, WD, MAX_NORM = 0.01, 0.1, 0.25
CLASS_W = [1.0, 2.0, 0.5]
LABELS = [0, 1, 2, 2, 1, 0]


class Block(nn.Module):
    def __init__(self, i):
        super().__init__()
        self.linear = nn.Linear(i, H)
        self.bn = nn.BatchNorm1d(H, eps=1e-5, momentum=0.1)

    def forward(self, x):
        return torch.relu(self.bn(self.linear(x)))


class Source(nn.Module):
    def __init__(self, i):
        super().__init__()
        self.layers = nn.ModuleList([Block(i if l == 0 else H) for l in range(DEPTH)])


class Structured(nn.Module):
    def __init__(self):
        super().__init__()
        self.sources = nn.ModuleList([Source(i) for i in IN])
        self.proj = nn.Linear(S * H, P, bias=False)
        self.classifier = nn.Linear(P, K)
        self.pre_relu = []  # BatchNorm outputs of the last forward

    def forward(self, xs):
        vs = []
        self.pre_relu = []
        for src, x in zip(self.sources, xs):
            for blk in src.layers:
                z = blk.bn(blk.linear(x))
                self.pre_relu.append(z.detach())
                x = torch.relu(z)
            vs.append(x)
        return self.classifier(self.proj(torch.cat(vs, dim=1)))


def L(x):
    """A tensor as a flat list of floats (float32 values)."""
    return [float(v) for v in x.detach().float().reshape(-1).tolist()]


def build(seed):
    """Fixed float32 weights and batch from a seeded generator."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    m = Structured()
    with torch.no_grad():
        for name, t in m.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            if name.endswith("bn.weight"):
                t.copy_(1.0 + 0.3 * torch.randn(t.shape, generator=g))
            elif name.endswith("bn.bias"):
                t.copy_(0.2 * torch.randn(t.shape, generator=g))
            elif name.endswith("running_mean"):
                t.copy_(0.1 * torch.randn(t.shape, generator=g))
            elif name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=g))
    xs = [torch.randn(B, i, generator=g) for i in IN]
    return m, xs


def zero_grad_tensor(name):
    """A Linear bias feeding BatchNorm: its exact gradient is zero."""
    return name.startswith("sources.") and name.endswith("linear.bias")


def zero_bn_fed_biases(m):
    for n, p in m.named_parameters():
        if zero_grad_tensor(n):
            p.grad.zero_()


def run(m, xs, dtype):
    """The two training steps and the eval forward; returns the results
    and the smallest |ReLU input| seen."""
    m = m.to(dtype)
    xs = [x.to(dtype) for x in xs]
    y = torch.tensor(LABELS)
    cw = torch.tensor(CLASS_W, dtype=dtype)
    decay = [p for n, p in m.named_parameters() if n.endswith("weight") and ".bn." not in n]
    keep = [p for n, p in m.named_parameters() if not (n.endswith("weight") and ".bn." not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WD},
                             {"params": keep, "weight_decay": 0.0}],
                            lr=LR, betas=(0.9, 0.999), eps=1e-8, foreach=False)
    m.train()
    r = {}
    margin = float("inf")

    logits = m(xs)
    margin = min(margin, min(float(z.abs().min()) for z in m.pre_relu))
    loss = F.cross_entropy(logits, y)
    opt.zero_grad()
    loss.backward()
    zero_bn_fed_biases(m)
    r["logits"] = logits.detach().clone()
    r["loss"] = loss.detach().clone()
    r["grad"] = {n: p.grad.detach().clone() for n, p in m.named_parameters()}
    r["running1"] = {n: t.clone() for n, t in m.state_dict().items() if "running" in n}
    opt.step()

    logits = m(xs)
    margin = min(margin, min(float(z.abs().min()) for z in m.pre_relu))
    loss2 = F.cross_entropy(logits, y, weight=cw)
    opt.zero_grad()
    loss2.backward()
    zero_bn_fed_biases(m)
    r["loss2"] = loss2.detach().clone()
    r["norm2"] = nn.utils.clip_grad_norm_(m.parameters(), MAX_NORM).detach().clone()
    opt.step()

    r["after"] = {n: t.clone() for n, t in m.state_dict().items() if not n.endswith("num_batches_tracked")}
    m.eval()
    with torch.no_grad():
        r["logits_eval"] = m(xs)
    return r, margin


def maxrel(a, b):
    a, b = a.double().reshape(-1), b.double().reshape(-1)
    return float(((a - b).abs() / b.abs().clamp(min=1e-6)).max())


seed = 20240612
while True:
    m, xs = build(seed)
    init = {n: t.clone() for n, t in m.state_dict().items() if not n.endswith("num_batches_tracked")}
    m64, _ = build(seed)
    r32, margin = run(m, xs, torch.float32)
    r64, margin64 = run(m64, xs, torch.float64)
    fwd = max(maxrel(r32[k], r64[k]) for k in ("logits", "loss", "loss2", "norm2", "logits_eval"))
    upd = max(max(maxrel(r32["grad"][n], r64["grad"][n]) for n in r32["grad"]),
              max(maxrel(r32["after"][n], r64["after"][n]) for n in r32["after"]))
    clipped = float(r32["norm2"]) > MAX_NORM
    if min(margin, margin64) >= 1e-3 and fwd <= 1e-6 and upd <= 1e-5 and clipped:
        break
    print(f"seed {seed}: ReLU margin {min(margin, margin64):.2e}, float32 vs float64 forward {fwd:.2e},"
          f" gradients and weights {upd:.2e}; next")
    seed += 1

golden = {
    "generator": f"tests/reference/gen_mlp.py, torch {torch.__version__}, seed {seed}",
    "S": S, "in_dim": list(IN), "hidden": H, "depth": DEPTH, "proj": P, "nclasses": K, "B": B,
    "lr": LR, "weight_decay": WD, "max_norm": MAX_NORM, "class_weight": CLASS_W,
    "bn_momentum": 0.1, "bn_eps": 1e-5,
    "x": [L(x) for x in xs], "labels": LABELS,
    "init": {n: L(t) for n, t in init.items()},
    "logits": L(r32["logits"]), "loss": float(r32["loss"]),
    "grad": {n: L(t) for n, t in r32["grad"].items() if not zero_grad_tensor(n)},
    "running1": {n: L(t) for n, t in r32["running1"].items()},
    "loss2": float(r32["loss2"]), "norm2": float(r32["norm2"]),
    "after": {n: L(t) for n, t in r32["after"].items()},
    "logits_eval": L(r32["logits_eval"]),
    "zero_grad": [n for n in r32["grad"] if zero_grad_tensor(n)],
}


def fmt(v):
    """float32 values with 9 significant digits (exact round trip)."""
    if isinstance(v, float):
        return float(f"{v:.9g}")
    if isinstance(v, list):
        return [fmt(x) for x in v]
    if isinstance(v, dict):
        return {k: fmt(x) for k, x in v.items()}
    return v


out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn", "golden", "mlp.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump(fmt(golden), f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {os.path.normpath(out)} ({os.path.getsize(out)} bytes): seed {seed}, "
      f"ReLU margin {min(margin, margin64):.2e}, float32 vs float64 forward {fwd:.2e}, "
      f"gradients and weights {upd:.2e}, "
      f"loss {float(r32['loss']):.6f}, loss2 {float(r32['loss2']):.6f}, norm2 {float(r32['norm2']):.6f}")
