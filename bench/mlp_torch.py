#!/usr/bin/python3
"""Peer for `yujing bench mlp`: the structured branch's training step in PyTorch.

The same model and step as src/model/structured.c and src/train/train.c:
per source Linear -> BatchNorm1d -> ReLU (x depth), the source vectors
concatenated, a Linear projection without bias, a Linear classifier;
cross-entropy, clip_grad_norm_(1.0), AdamW (lr 1e-3, weight decay 0.01 on
the weights only, as yujing's parameter groups).  Inputs and labels are
random (seeded), the batches consecutive slices of a pool of rows (views,
no copy), as the C side reads them.  Warm-up steps are not timed; the
figure is the best of several timed repeats.  Prints one JSON object.

With --serve (as `yujing bench mlp` runs it) it takes the warm-up, prints
{"ready": true, ...} on a line, then for each line "run THREADS WARM STEPS"
on its standard input takes WARM untimed and STEPS timed steps at THREADS
threads and prints {"seconds": ...} on a line; it ends at end of input.
yujing times its own steps the same way between the peer's, so a change
of load falls on both.

Run with Debian's python3 and python3-torch:
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 mlp_torch.py --threads 2
"""
import argparse
import json
import os
import sys
import time

# Before torch starts its OpenMP pool: idle threads sleep instead of
# spinning, so a 2-core machine is not half taken by waiting threads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Source(nn.Module):
    """depth x (Linear -> BatchNorm1d -> ReLU)."""

    def __init__(self, d_in, hidden, depth):
        super().__init__()
        self.layers = nn.ModuleList()
        for i in range(depth):
            block = nn.Module()
            block.linear = nn.Linear(d_in if i == 0 else hidden, hidden)
            block.bn = nn.BatchNorm1d(hidden, eps=1e-5, momentum=0.1)
            self.layers.append(block)

    def forward(self, x):
        for b in self.layers:
            x = F.relu(b.bn(b.linear(x)))
        return x


class Structured(nn.Module):
    def __init__(self, in_dims, hidden, depth, proj, nclasses):
        super().__init__()
        self.sources = nn.ModuleList(Source(d, hidden, depth) for d in in_dims)
        self.proj = nn.Linear(len(in_dims) * hidden, proj, bias=False)
        self.classifier = nn.Linear(proj, nclasses)

    def forward(self, xs):
        v = torch.cat([s(x) for s, x in zip(self.sources, xs)], dim=1)
        return self.classifier(self.proj(v))


def blas_kernel():
    """The kernel set of the OpenBLAS this process loaded (torch's BLAS on
    Debian), by openblas_get_corename; None when torch uses another BLAS."""
    import ctypes
    paths = sorted({line.split()[-1] for line in open("/proc/self/maps")
                    if "openblas" in line and ".so" in line})
    for path in paths:
        try:
            f = ctypes.CDLL(path).openblas_get_corename
        except (OSError, AttributeError):
            continue
        f.restype = ctypes.c_char_p
        return f().decode()
    return None


def serve(step, i):
    """The --serve loop: one JSON line per request, the time of the timed
    steps alone (time.perf_counter, a monotonic clock, as yujing's)."""
    print(json.dumps({"ready": True, "torch": torch.__version__, "blas_kernel": blas_kernel()}),
          flush=True)
    for line in sys.stdin:
        w = line.split()
        if len(w) != 4 or w[0] != "run":
            print(json.dumps({"error": "expected: run THREADS WARM STEPS"}), flush=True)
            return 1
        threads, warm, steps = int(w[1]), int(w[2]), int(w[3])
        torch.set_num_threads(threads)
        for _ in range(warm):
            step(i)
            i += 1
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = step(i)
            i += 1
        seconds = time.perf_counter() - t0
        print(json.dumps({"seconds": seconds, "threads": torch.get_num_threads(),
                          "loss": float(loss.item())}), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--in-dims", default="16,32,8")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--depth", type=int, default=1)
    ap.add_argument("--classes", type=int, default=20)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--pool", type=int, default=64, help="batches in the pool of rows")
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--steps", type=int, default=400, help="steps per timed repeat")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--foreach", action="store_true", help="AdamW(foreach=True)")
    ap.add_argument("--serve", action="store_true",
                    help="answer 'run THREADS WARM STEPS' lines on stdin (see above)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    in_dims = [int(d) for d in a.in_dims.split(",")]
    B, n = a.batch, a.batch * a.pool
    xs = [torch.randn(n, d) for d in in_dims]
    ys = torch.randint(0, a.classes, (n,))
    model = Structured(in_dims, a.hidden, a.depth, a.hidden, a.classes)
    model.train()
    decay = [p for name, p in model.named_parameters() if name.endswith("weight") and p.dim() == 2]
    other = [p for name, p in model.named_parameters() if not (name.endswith("weight") and p.dim() == 2)]
    # PyTorch 1.13's CPU default is the per-tensor loop (foreach=False).
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": other, "weight_decay": 0.0}], lr=1e-3,
                            foreach=True if a.foreach else None)
    params = list(model.parameters())

    def step(i):
        o = (i % a.pool) * B
        logits = model([x[o:o + B] for x in xs])
        loss = F.cross_entropy(logits, ys[o:o + B])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss

    i = 0
    for _ in range(a.warmup):
        step(i)
        i += 1
    if a.serve:
        return serve(step, i)
    best = float("inf")
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(a.steps):
            step(i)
            i += 1
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"samples_per_s": a.steps * B / best, "seconds_per_step": best / a.steps,
                      "steps": a.steps, "repeats": a.repeats, "warmup": a.warmup,
                      "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "blas_kernel": blas_kernel(),
                      "loss": float(step(i).item())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
