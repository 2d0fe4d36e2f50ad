#!/usr/bin/python3
"""gen_bert_bf16.py - PyTorch golden values for the BERT encoder in bfloat16
mixed precision (tests/model/test-bert.c, its "bf16" cases).

Same fixture weights, inputs and loss as gen_bert.py (whose model code this
reuses: tests/model/fixture and golden.safetensors must exist; run
gen_bert.py first).  Two references, both written to
tests/model/golden-bf16.safetensors:

  emu.*       what yujing's --precision bf16 computes, exactly as specified:
              every matrix product (each Linear, the two attention matmuls,
              the MLM decoder, the pooler) takes its two inputs rounded to
              bfloat16 (round to nearest even: Tensor.to(torch.bfloat16))
              and sums the exact products in float32; its backward does
              the same with the incoming gradient rounded (dx = bf16(g)
              bf16(W), dW = bf16(g)^T bf16(x)); everything else (embedding
              sums, LayerNorm, softmax, GELU, tanh, loss) in float32.
                emu.last_hidden_state, emu.pooler_output, emu.mlm_logits
                (eval), emu.loss, emu.grad.<name> for every parameter of
                gen_bert.py's loss
  autocast.*  torch.autocast("cpu", dtype=torch.bfloat16) around the same
              eval forward (oneDNN's bf16 kernels; products come out in
              bfloat16, so it differs from emu by bfloat16 rounding of
              every product's output):
                autocast.last_hidden_state, autocast.pooler_output,
                autocast.mlm_logits

Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/gen_bert_bf16.py
"""
import os
import sys
import types

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_bert as G  # noqa: E402  (its main() only runs as a script)

torch.set_num_threads(1)


def rb(x):
    """Round float32 to bfloat16 (nearest even) and back."""
    return x.to(torch.bfloat16).float()


class BMatmul(torch.autograd.Function):
    """a @ b with both inputs rounded to bfloat16, float32 sums; backward
    rounds the incoming gradient the same way."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return torch.matmul(rb(a), rb(b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        g = rb(g)
        return torch.matmul(g, rb(b).transpose(-1, -2)), torch.matmul(rb(a).transpose(-1, -2), g)


def blinear(x, w, b=None):
    shape = x.shape
    y = BMatmul.apply(x.reshape(-1, shape[-1]), w.t()).reshape(*shape[:-1], w.shape[0])
    return y if b is None else y + b


def shim(module, **over):
    """A stand-in for a module with some attributes replaced."""
    s = types.SimpleNamespace(**{k: getattr(module, k) for k in dir(module) if not k.startswith("__")})
    for k, v in over.items():
        setattr(s, k, v)
    return s


def main():
    w = {}
    fx, _ = G.read_safetensors(os.path.join(G.OUT, "fixture", "model.safetensors"))
    for name, _ in G.names_shapes():
        w[name] = fx[name].float()
    g, _ = G.read_safetensors(os.path.join(G.OUT, "golden.safetensors"))  # (as float32)
    ids, types_, mask = g["input_ids"].long(), g["token_type_ids"].long(), g["attention_mask"].long()
    positions, mlm_labels, cls_labels = g["mlm_positions"].long(), g["mlm_labels"].long(), g["cls_labels"].long()
    cls_w, cls_b, hidden_weight = g["classifier.weight"], g["classifier.bias"], g["hidden_weight"]
    B, T = ids.shape
    C = G.C
    out = {}

    # emu: gen_bert's model with its products replaced
    G.F = shim(F, linear=blinear)
    G.torch = shim(torch, matmul=BMatmul.apply)
    params = {k: v.clone().requires_grad_() for k, v in w.items()}
    h, pooled = G.bert(params, ids, types_, mask)
    logits = G.mlm_head(params, h.reshape(B * T, C)[positions])
    loss = (F.cross_entropy(F.linear(pooled, cls_w, cls_b), cls_labels)
            + F.cross_entropy(logits, mlm_labels) + (h * hidden_weight).mean())
    loss.backward()
    out["emu.last_hidden_state"], out["emu.pooler_output"] = h.detach(), pooled.detach()
    out["emu.mlm_logits"], out["emu.loss"] = logits.detach(), loss.detach().reshape(1)
    for k, v in params.items():
        out["emu.grad." + k] = v.grad

    # autocast: the plain model under torch.autocast.  This torch's CPU
    # autocast leaves layer_norm out of its float32 list, and a bfloat16
    # input with float32 weights is an error there: cast the input, as
    # later versions do.
    G.torch = torch
    G.F = shim(F, layer_norm=lambda x, *a, **k: F.layer_norm(x.float(), *a, **k))
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        ha, pa = G.bert(w, ids, types_, mask)
        la = G.mlm_head(w, ha.reshape(B * T, C)[positions])
    out["autocast.last_hidden_state"] = ha.float()
    out["autocast.pooler_output"] = pa.float()
    out["autocast.mlm_logits"] = la.float()
    G.F = F

    with torch.no_grad():
        h32, p32 = G.bert(w, ids, types_, mask)
    print("max |emu - autocast|: hidden %.3g, pooled %.3g, logits %.3g" % (
        (h - ha.float()).abs().max(), (pooled - pa.float()).abs().max(), (logits - la.float()).abs().max()))
    print("max |fp32 - emu|: hidden %.3g, pooled %.3g" % ((h32 - h).abs().max(), (p32 - pooled).abs().max()))
    print("max |fp32 - autocast|: hidden %.3g, pooled %.3g" % ((h32 - ha.float()).abs().max(),
                                                                (p32 - pa.float()).abs().max()))
    path = os.path.join(G.OUT, "golden-bf16.safetensors")
    G.write_safetensors(path, out, {"generator": "tests/reference/gen_bert_bf16.py, torch " + torch.__version__})
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
