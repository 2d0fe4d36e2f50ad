#!/usr/bin/python3
"""gen_nn_ops.py - PyTorch golden values for tests/nn/test-parity-ops.c.

Writes tests/nn/golden/ops.json (committed, so `make check` needs no torch):
fixed float32 inputs and what PyTorch computes from them for

  linear      torch.nn.functional.linear: out, and d(input, weight, bias)
  gelu        torch.nn.GELU() (erf form) in float64, rounded: out, d(input)
  batchnorm   torch.nn.BatchNorm1d(C, eps=1e-5, momentum=0.1), training
              mode: out, running_mean/var after the step, d(input, weight,
              bias); then eval mode with those running statistics
  layernorm   torch.nn.LayerNorm(C, eps=1e-12) (BERT's eps): out, d(...)
  xent        torch.nn.functional.cross_entropy with class weights and
              ignore_index=-1 (our "negative label"), and without weights:
              loss, d(logits); also softmax probabilities
  adamw       torch.optim.AdamW(betas=(0.9, 0.999), eps=1e-8) with
              weight_decay 0.1 on the weight and 0 on the bias (two
              parameter groups, as yujing decays weights only), learning
              rate from LambdaLR with transformers'
              get_linear_schedule_with_warmup factor (warm-up 2, total 5),
              four steps on fixed gradients: parameters after every step,
              moments at the end
  clip        torch.nn.utils.clip_grad_norm_: the norm and clipped grads

Every backward pass uses a fixed upstream gradient `dout` (the gradient of
sum(out * dout)).  Values are float32 written with Python's repr, which
round-trips exactly through strtod + a cast to float.

Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/gen_nn_ops.py
"""
import json
import os

import torch

torch.set_default_dtype(torch.float32)
torch.manual_seed(20240611)
torch.set_num_threads(1)


def t(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).float()


def L(x):
    """A float32 tensor as a flat list of Python floats (exact)."""
    return [float(v) for v in x.detach().reshape(-1).tolist()]


def grads_of(out, dout, *tensors):
    for x in tensors:
        if x.grad is not None:
            x.grad = None
    out.backward(dout)
    return [x.grad for x in tensors]


golden = {}

# ---------------------------------------------------------------- linear
B, IN, OUT = 4, 5, 3
x = t(B, IN).requires_grad_()
w = t(OUT, IN, scale=0.5).requires_grad_()
b = t(OUT, scale=0.1).requires_grad_()
dout = t(B, OUT)
out = torch.nn.functional.linear(x, w, b)
dx, dw, db = grads_of(out, dout, x, w, b)
golden["linear"] = dict(B=B, IN=IN, OUT=OUT, x=L(x), w=L(w), b=L(b), dout=L(dout),
                        out=L(out), dx=L(dx), dw=L(dw), db=L(db))

# ------------------------------------------------------------------ gelu
# Computed in float64 and rounded: PyTorch's float32 GELU evaluates
# 1 + erf(x/sqrt 2), which cancels for negative x and is off by up to ~2e-4
# relative in the tail (yujing uses erfc there and is exact to float
# precision), so float64 is the reference the 1e-5 tolerance can hold to.
x = torch.linspace(-4.0, 4.0, 17).float()
x = (x + 0.03 * t(17))
dout = t(17)
x64 = x.double().requires_grad_()
out = torch.nn.GELU()(x64)
(dx,) = grads_of(out, dout.double(), x64)
golden["gelu"] = dict(n=17, x=L(x), dout=L(dout), out=L(out.float()), dx=L(dx.float()))

# ------------------------------------------------------------- batchnorm
B, C = 6, 4
bn = torch.nn.BatchNorm1d(C, eps=1e-5, momentum=0.1)
with torch.no_grad():
    bn.weight.copy_(1.0 + 0.2 * t(C))
    bn.bias.copy_(0.1 * t(C))
    bn.running_mean.copy_(0.5 * t(C))
    bn.running_var.copy_(1.0 + 0.3 * torch.rand(C))
rm0, rv0 = bn.running_mean.clone(), bn.running_var.clone()
x = (t(B, C) * torch.tensor([1.0, 2.0, 0.5, 3.0]) + torch.tensor([0.0, 1.0, -2.0, 5.0]))
x = x.float().requires_grad_()
dout = t(B, C)
bn.train()
out = bn(x)
dx, dg, dbeta = grads_of(out, dout, x, bn.weight, bn.bias)
bn.eval()
x_eval = t(3, C)
with torch.no_grad():
    out_eval = bn(x_eval)
golden["batchnorm"] = dict(
    B=B, C=C, eps=1e-5, momentum=0.1, x=L(x), gamma=L(bn.weight), beta=L(bn.bias),
    running_mean0=L(rm0), running_var0=L(rv0), dout=L(dout), out=L(out),
    running_mean=L(bn.running_mean), running_var=L(bn.running_var),
    dx=L(dx), dgamma=L(dg), dbeta=L(dbeta),
    B_eval=3, x_eval=L(x_eval), out_eval=L(out_eval))

# ------------------------------------------------------------- layernorm
B, C = 3, 6
ln = torch.nn.LayerNorm(C, eps=1e-12)
with torch.no_grad():
    ln.weight.copy_(1.0 + 0.2 * t(C))
    ln.bias.copy_(0.1 * t(C))
x = (t(B, C) * 2.0 + 0.5).requires_grad_()
dout = t(B, C)
out = ln(x)
dx, dw, db = grads_of(out, dout, x, ln.weight, ln.bias)
golden["layernorm"] = dict(B=B, C=C, eps=1e-12, x=L(x), w=L(ln.weight), b=L(ln.bias),
                           dout=L(dout), out=L(out), dx=L(dx), dw=L(dw), db=L(db))

# ----------------------------------------------------------------- xent
B, K = 6, 4
logits = (t(B, K) * 3.0)
logits[5] += 40.0  # a row far from 0: the max-subtraction must hold it
logits = logits.float().requires_grad_()
labels = torch.tensor([2, 0, -1, 3, 1, 2], dtype=torch.int64)  # row 2 ignored
weight = torch.tensor([0.5, 2.0, 1.0, 3.0])
loss_w = torch.nn.functional.cross_entropy(logits, labels, weight=weight, ignore_index=-1)
(dl_w,) = grads_of(loss_w, torch.tensor(1.0), logits)
loss = torch.nn.functional.cross_entropy(logits, labels, ignore_index=-1)
(dl,) = grads_of(loss, torch.tensor(1.0), logits)
golden["xent"] = dict(B=B, K=K, logits=L(logits), labels=labels.tolist(), weight=L(weight),
                      probs=L(torch.softmax(logits, dim=1)),
                      loss_w=float(loss_w), dlogits_w=L(dl_w), loss=float(loss),
                      dlogits=L(dl))

# ---------------------------------------------------------------- adamw
def linear_warmup(warmup, total):
    """transformers.get_linear_schedule_with_warmup's lr_lambda."""
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        return max(0.0, float(total - step) / float(max(1, total - warmup)))
    return f


WARMUP, TOTAL, LR, WD, STEPS = 2, 5, 0.01, 0.1, 4
pw = torch.nn.Parameter(t(3, 4))
pb = torch.nn.Parameter(t(3, scale=0.1))
w0, b0 = L(pw), L(pb)
opt = torch.optim.AdamW([{"params": [pw], "weight_decay": WD},
                         {"params": [pb], "weight_decay": 0.0}],
                        lr=LR, betas=(0.9, 0.999), eps=1e-8)
sched = torch.optim.lr_scheduler.LambdaLR(opt, linear_warmup(WARMUP, TOTAL))
gw, gb, lrs, ws, bs = [], [], [], [], []
for step in range(STEPS):
    pw.grad = t(3, 4)
    pb.grad = t(3, scale=0.5)
    gw.append(L(pw.grad))
    gb.append(L(pb.grad))
    lrs.append(opt.param_groups[0]["lr"])
    opt.step()
    sched.step()
    ws.append(L(pw))
    bs.append(L(pb))
golden["adamw"] = dict(
    lr=LR, warmup=WARMUP, total=TOTAL, weight_decay=WD, steps=STEPS, w0=w0, b0=b0,
    grad_w=gw, grad_b=gb, lrs=lrs, w=ws, b=bs,
    m_w=L(opt.state[pw]["exp_avg"]), v_w=L(opt.state[pw]["exp_avg_sq"]),
    m_b=L(opt.state[pb]["exp_avg"]), v_b=L(opt.state[pb]["exp_avg_sq"]),
    schedule=[linear_warmup(WARMUP, TOTAL)(s) * LR for s in range(8)])

# ----------------------------------------------------------------- clip
ca = torch.nn.Parameter(torch.zeros(2, 3))
cb = torch.nn.Parameter(torch.zeros(4))
ca.grad = t(2, 3) * 2.0
cb.grad = t(4) * 2.0
g0a, g0b = L(ca.grad), L(cb.grad)
norm = torch.nn.utils.clip_grad_norm_([ca, cb], max_norm=1.5)
golden["clip"] = dict(max_norm=1.5, grad_a=g0a, grad_b=g0b, norm=float(norm),
                      clipped_a=L(ca.grad), clipped_b=L(cb.grad))

golden["generator"] = "tests/reference/gen_nn_ops.py, torch " + torch.__version__

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "nn", "golden", "ops.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as f:
    json.dump(golden, f, indent=None, separators=(",", ":"), sort_keys=True)
    f.write("\n")
print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")
