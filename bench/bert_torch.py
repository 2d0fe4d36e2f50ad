#!/usr/bin/python3
"""Peer for `yujing bench bert`: the BERT encoder's training step and inference in PyTorch.

Plain torch with Hugging Face BertForMaskedLM's math (eager attention, erf
GELU, LayerNorm eps 1e-12, dropout 0.1, the MLM decoder tied to the word
embeddings), the same step as src/train/pretrain.c: forward with dropout,
the MLM head at the masked positions only (gathered first, as yujing does,
rather than over every token), cross-entropy, backward, clip_grad_norm_(1.0),
AdamW (weight decay 0.01 on weights, not on biases and LayerNorm).
Inference: the encoder in eval mode under torch.inference_mode().  Token
ids are random (seeded); nothing is padded.  Warm-up steps are not timed.
Prints one JSON object: train_tokens_per_s, infer_tokens_per_s, peak_rss_mb,
and the process's CPU time (time.process_time) per training step and per
inference pass, train_cpu_ms and infer_cpu_ms.
With --bf16 1 the step's forward and the inference run under
torch.autocast("cpu", dtype=torch.bfloat16): PyTorch at its best on a
processor with AVX512_BF16 (oneDNN's bf16 kernels; master weights, the
optimiser and the backward's accumulation stay float32).

  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bert_torch.py --threads 2
"""
import argparse
import json
import math
import os
import resource
import time

# Before torch starts its OpenMP pool: idle threads sleep instead of spinning.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Layer(nn.Module):
    def __init__(self, C, H, I, p):
        super().__init__()
        self.H, self.p = H, p
        self.query, self.key, self.value = nn.Linear(C, C), nn.Linear(C, C), nn.Linear(C, C)
        self.attn_out, self.attn_ln = nn.Linear(C, C), nn.LayerNorm(C, eps=1e-12)
        self.inter, self.out, self.out_ln = nn.Linear(C, I), nn.Linear(I, C), nn.LayerNorm(C, eps=1e-12)

    def forward(self, x, maskadd):
        B, T, C = x.shape
        H, D = self.H, C // self.H

        def heads(t):
            return t.view(B, T, H, D).transpose(1, 2)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(D)
        if maskadd is not None:
            s = s + maskadd
        probs = F.dropout(torch.softmax(s, dim=-1), self.p, self.training)
        ctx = torch.matmul(probs, v).transpose(1, 2).reshape(B, T, C)
        x = self.attn_ln(F.dropout(self.attn_out(ctx), self.p, self.training) + x)
        h = F.gelu(self.inter(x))
        return self.out_ln(F.dropout(self.out(h), self.p, self.training) + x)


class Bert(nn.Module):
    def __init__(self, V, C, L, H, I, P=512, p=0.1):
        super().__init__()
        self.p = p
        self.word, self.pos, self.tok_type = nn.Embedding(V, C, padding_idx=0), nn.Embedding(P, C), nn.Embedding(2, C)
        self.ln = nn.LayerNorm(C, eps=1e-12)
        self.layers = nn.ModuleList(Layer(C, H, I, p) for _ in range(L))
        self.mt = nn.Linear(C, C)
        self.mln = nn.LayerNorm(C, eps=1e-12)
        self.mbias = nn.Parameter(torch.zeros(V))
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                m.weight.data.normal_(0.0, 0.02)

    def encode(self, ids):
        B, T = ids.shape
        x = self.word(ids) + self.tok_type(torch.zeros_like(ids)) + self.pos.weight[:T]
        x = F.dropout(self.ln(x), self.p, self.training)
        for layer in self.layers:
            x = layer(x, None)
        return x

    def mlm_logits(self, h):
        # .float(): this torch's CPU autocast leaves layer_norm out of its
        # float32 list, and a bf16 input with float32 weights is an error
        t = self.mln(F.gelu(self.mt(h)).float())
        return F.linear(t, self.word.weight, self.mbias)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--intermediate", type=int, default=1024)
    ap.add_argument("--vocab", type=int, default=21128)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--masked", type=int, default=19, help="predicted positions per sequence")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--foreach", type=int, default=1, help="AdamW(foreach=...)")
    ap.add_argument("--bf16", type=int, default=0,
                    help="run the step and inference under torch.autocast('cpu', dtype=torch.bfloat16)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    B, T, V, k = a.batch, a.seq, a.vocab, a.masked
    m = Bert(V, a.hidden, a.layers, a.heads, a.intermediate)
    decay = [p for n, p in m.named_parameters() if p.dim() >= 2]
    nodecay = [p for n, p in m.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=1e-4, foreach=bool(a.foreach))
    ids = torch.randint(1000, V, (B, T))
    ids[:, 0] = 101
    pos = torch.tensor([b * T + 1 + (j * (T - 2)) // k for b in range(B) for j in range(k)])
    labels = torch.randint(1000, V, (B * k,))

    def autocast():
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(a.bf16))

    def step():
        with autocast():
            h = m.encode(ids).reshape(B * T, -1).index_select(0, pos)
            loss = F.cross_entropy(m.mlm_logits(h), labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        return loss

    m.train()
    for _ in range(2):
        step()
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while True:
        step()
        n += 1
        dt = time.perf_counter() - t0
        if dt >= a.seconds and n >= 3:
            break
    train = n * B * T / dt
    train_cpu = (time.process_time() - c0) / n

    m.eval()
    with torch.inference_mode(), autocast():
        m.encode(ids)
        n, t0, c0 = 0, time.perf_counter(), time.process_time()
        while True:
            m.encode(ids)
            n += 1
            dt = time.perf_counter() - t0
            if dt >= a.seconds and n >= 3:
                break
    infer = n * B * T / dt
    infer_cpu = (time.process_time() - c0) / n
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"train_tokens_per_s": train, "infer_tokens_per_s": infer, "peak_rss_mb": rss,
                      "train_cpu_ms": 1e3 * train_cpu, "infer_cpu_ms": 1e3 * infer_cpu,
                      "threads": a.threads, "torch": torch.__version__, "bf16": a.bf16}))


if __name__ == "__main__":
    main()
