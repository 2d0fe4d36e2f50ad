#!/usr/bin/python3
"""gen_bert.py - PyTorch golden values for the BERT encoder (tests/model/test-bert.c,
tests/cli/embed.sh).

There is no `transformers` here, so the model is Hugging Face's BertModel +
BertOnlyMLMHead written out in plain torch with the same parameter names and
the same arithmetic (transformers/models/bert/modeling_bert.py, eager
attention):

  embeddings   word + token_type, then + position (arange(T)); LayerNorm;
               dropout
  layer N      query/key/value Linear; scores = q k^T / sqrt(head_dim) +
               (1 - mask) * finfo(float32).min (the extended attention
               mask); softmax; dropout; context = probs v; output dense,
               dropout, LayerNorm(. + input); intermediate dense + GELU (erf);
               output dense, dropout, LayerNorm(. + attention output)
  pooler       tanh(dense(h[:, 0]))
  MLM head     cls.predictions.transform: dense, GELU, LayerNorm; decoder =
               h word_embeddings^T + cls.predictions.bias (tied weights)

A small model (vocab 100, hidden 32, 2 layers, 2 heads, intermediate 64, 64
positions) is built from a fixed seed with weights larger than BERT's 0.02
initialisation, so every path carries signal.  Written (committed, so
`make check` needs no torch):

  tests/model/fixture/          config.json, vocab.txt, model.safetensors
                                (F32, "bert." keys and cls.predictions.*, as
                                BertForPreTraining/BertForMaskedLM save)
  tests/model/fixture-half/     the same weights as BertModel saves them (no
                                "bert." prefix, no MLM head), even-numbered
                                tensors F16 and odd-numbered BF16
  tests/model/golden.safetensors
      input_ids, token_type_ids, attention_mask (I64, [B, T], with padding)
      last_hidden_state [B, T, C], pooler_output [B, C]      (eval mode)
      mlm_positions [P] (flat b*T + t), mlm_labels [P], mlm_logits [P, V]
      classifier.weight [K, C], classifier.bias [K], cls_labels [B],
      hidden_weight [B, T, C], loss [1]
      grad.<name> for every parameter tensor, of
          loss = cross_entropy(classifier(pooler_output), cls_labels)
               + cross_entropy(mlm_logits, mlm_labels)
               + mean(last_hidden_state * hidden_weight)
        (the last term sends a gradient into every position, padded ones
        included, through the hidden states directly)
      half.last_hidden_state, half.pooler_output: the forward pass of the
        fixture-half weights (rounded to F16/BF16, then computed in F32)
  tests/model/embed-golden.tsv  `yujing embed --json` expectations: per line
      pool, text, ids, vector (tab-separated; lists space-separated)
  tests/model/golden-mean.safetensors  the text branch's mean pooling
      (sentence-transformers' masked mean: padding left out, [CLS] and [SEP]
      in), on the same inputs and weights:
      mean_pooled [B, C], classifier.weight [K, C], classifier.bias [K],
      cls_labels [B], loss [1] and grad.<name> for every parameter tensor of
          loss = cross_entropy(classifier(masked_mean(last_hidden_state)), cls_labels)
      (drawn after everything above from its own seed, so the files above do
      not change)

Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/gen_bert.py

`gen_bert.py --check DIR` instead reads a model directory that yujing wrote
(bert_save_dir), the way transformers would (config.json, the safetensors
header and metadata, "bert."-prefixed or bare keys), and checks that it
computes what the fixture computes on the golden inputs.
"""
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(20240612)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "model"))

CFG = dict(
    architectures=["BertForMaskedLM"],
    model_type="bert",
    vocab_size=100,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    hidden_act="gelu",
    hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1,
    max_position_embeddings=64,
    type_vocab_size=2,
    initializer_range=0.02,
    layer_norm_eps=1e-12,
    pad_token_id=0,
    position_embedding_type="absolute",
)

# A vocabulary in bert-base-chinese's style: specials, CJK characters (the
# CLI texts are written with them, so their ids are [CLS] + one per
# character + [SEP]), ASCII letters and digits, "##" pieces.
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
CJK = list("盗窃诈骗抢劫故意伤害交通肇事毒品走私电动车手机现金银行卡网络刷单返利"
           "夜间住宅商店被害人嫌疑男女报警称发现家中财物丢失在路上遭持刀")
CJK = list(dict.fromkeys(CJK))  # each once, in order
ASCII = list("abcdefghijklmnopqrstuvwxyz0123456789")
VOCAB = SPECIALS + CJK
VOCAB += ASCII[: CFG["vocab_size"] - len(VOCAB) - 4]
VOCAB += ["##s", "##ing", "##ed", "##er"]
assert len(VOCAB) == CFG["vocab_size"] and len(set(VOCAB)) == len(VOCAB), len(VOCAB)
TOK = {t: i for i, t in enumerate(VOCAB)}

V, C, NL, NH, I, MAXPOS, NTYPE = (CFG[k] for k in (
    "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
    "intermediate_size", "max_position_embeddings", "type_vocab_size"))
HD = C // NH
EPS = CFG["layer_norm_eps"]


# ------------------------------------------------------------------ weights
def names_shapes():
    """Every parameter, in the order yujing declares them (bert.h)."""
    out = [("bert.embeddings.word_embeddings.weight", (V, C)),
           ("bert.embeddings.position_embeddings.weight", (MAXPOS, C)),
           ("bert.embeddings.token_type_embeddings.weight", (NTYPE, C)),
           ("bert.embeddings.LayerNorm.weight", (C,)),
           ("bert.embeddings.LayerNorm.bias", (C,))]
    for n in range(NL):
        p = f"bert.encoder.layer.{n}."
        for lin, o, i in (("attention.self.query", C, C), ("attention.self.key", C, C),
                          ("attention.self.value", C, C), ("attention.output.dense", C, C)):
            out += [(p + lin + ".weight", (o, i)), (p + lin + ".bias", (o,))]
        out += [(p + "attention.output.LayerNorm.weight", (C,)),
                (p + "attention.output.LayerNorm.bias", (C,)),
                (p + "intermediate.dense.weight", (I, C)), (p + "intermediate.dense.bias", (I,)),
                (p + "output.dense.weight", (C, I)), (p + "output.dense.bias", (C,)),
                (p + "output.LayerNorm.weight", (C,)), (p + "output.LayerNorm.bias", (C,))]
    out += [("bert.pooler.dense.weight", (C, C)), ("bert.pooler.dense.bias", (C,)),
            ("cls.predictions.transform.dense.weight", (C, C)),
            ("cls.predictions.transform.dense.bias", (C,)),
            ("cls.predictions.transform.LayerNorm.weight", (C,)),
            ("cls.predictions.transform.LayerNorm.bias", (C,)),
            ("cls.predictions.bias", (V,))]
    return out


def init_weights():
    w = {}
    for name, shape in names_shapes():
        if "LayerNorm.weight" in name:
            t = 1.0 + 0.1 * torch.randn(shape)
        elif name.endswith("bias"):
            t = 0.1 * torch.randn(shape)
        elif "embeddings" in name:
            t = 0.5 * torch.randn(shape)
        else:
            # about 1/sqrt(fan_in): activations keep their scale
            t = torch.randn(shape) / math.sqrt(shape[1])
        w[name] = t.float()
    # HF zeroes the padding_idx row of the word embeddings at init.
    w["bert.embeddings.word_embeddings.weight"][CFG["pad_token_id"]] = 0.0
    return w


# -------------------------------------------------------------------- model
def layer_norm(x, w, b):
    return F.layer_norm(x, (C,), w, b, EPS)


def bert(w, ids, types, mask):
    """BertModel.forward in eval mode (dropout is the identity)."""
    B, T = ids.shape
    # nn.Embedding(vocab, hidden, padding_idx=pad_token_id): the [PAD] row
    # gets no gradient from the lookup (it does from the tied decoder).
    emb = F.embedding(ids, w["bert.embeddings.word_embeddings.weight"],
                      padding_idx=CFG["pad_token_id"])
    emb = emb + F.embedding(types, w["bert.embeddings.token_type_embeddings.weight"])
    pos = torch.arange(T).unsqueeze(0).expand(B, T)
    emb = emb + F.embedding(pos, w["bert.embeddings.position_embeddings.weight"])
    h = layer_norm(emb, w["bert.embeddings.LayerNorm.weight"], w["bert.embeddings.LayerNorm.bias"])
    # get_extended_attention_mask: (1 - mask) * finfo.min, broadcast over
    # heads and query positions.
    ext = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    for n in range(NL):
        p = f"bert.encoder.layer.{n}."

        def lin(x, k):
            return F.linear(x, w[p + k + ".weight"], w[p + k + ".bias"])

        def heads(x):
            return x.view(B, T, NH, HD).permute(0, 2, 1, 3)

        q = heads(lin(h, "attention.self.query"))
        k = heads(lin(h, "attention.self.key"))
        v = heads(lin(h, "attention.self.value"))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(HD) + ext
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(B, T, C)
        a = layer_norm(lin(ctx, "attention.output.dense") + h,
                       w[p + "attention.output.LayerNorm.weight"],
                       w[p + "attention.output.LayerNorm.bias"])
        inter = F.gelu(lin(a, "intermediate.dense"))
        h = layer_norm(lin(inter, "output.dense") + a, w[p + "output.LayerNorm.weight"],
                       w[p + "output.LayerNorm.bias"])
    pooled = torch.tanh(F.linear(h[:, 0], w["bert.pooler.dense.weight"],
                                 w["bert.pooler.dense.bias"]))
    return h, pooled


def mlm_head(w, hsel):
    t = F.gelu(F.linear(hsel, w["cls.predictions.transform.dense.weight"],
                        w["cls.predictions.transform.dense.bias"]))
    t = F.layer_norm(t, (C,), w["cls.predictions.transform.LayerNorm.weight"],
                     w["cls.predictions.transform.LayerNorm.bias"], EPS)
    return F.linear(t, w["bert.embeddings.word_embeddings.weight"], w["cls.predictions.bias"])


# ------------------------------------------------------------- safetensors
DT = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors, metadata=None):
    """The reference layout: keys sorted, header padded with spaces to 8."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name]
        b = tensor_bytes(t)
        header[name] = {"dtype": DT[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_dir(path, tensors):
    os.makedirs(path, exist_ok=True)
    write_safetensors(os.path.join(path, "model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(CFG, f, indent=2)
        f.write("\n")
    with open(os.path.join(path, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(VOCAB) + "\n")


def read_safetensors(path):
    """A safetensors file as {name: float32 tensor} and its metadata."""
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
              "I64": torch.int64}
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", None)
    data = raw[8 + n:]
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:end]), dtype=dtypes[e["dtype"]])
        out[name] = t.reshape(e["shape"]).float() if e["shape"] else t.float()
    return out, meta


def check(path):
    """Load a directory written by yujing and compare with the fixture."""
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    for k in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
              "intermediate_size", "max_position_embeddings", "type_vocab_size"):
        assert cfg[k] == CFG[k], (k, cfg[k], CFG[k])
    assert cfg["model_type"] == "bert" and cfg["hidden_act"] == "gelu"
    w, meta = read_safetensors(os.path.join(path, "model.safetensors"))
    assert meta and meta.get("format") == "pt", meta  # transformers checks it
    w = {(k if k.startswith(("bert.", "cls.")) else "bert." + k): v for k, v in w.items()}
    ref, _ = read_safetensors(os.path.join(OUT, "fixture", "model.safetensors"))
    missing = [k for k, _ in names_shapes() if k not in w]
    assert not missing, missing
    ids = torch.tensor([[2, 10, 11, 12, 3, 0], [2, 20, 3, 0, 0, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        h, p = bert(w, ids, torch.zeros_like(ids), mask)
        h0, p0 = bert(ref, ids, torch.zeros_like(ids), mask)
        lg, lg0 = mlm_head(w, h[:, 1]), mlm_head(ref, h0[:, 1])
    d = max(float((h - h0).abs().max()), float((p - p0).abs().max()),
            float((lg - lg0).abs().max()))
    print("%s: %d tensors, max abs diff from the fixture %.3g" % (path, len(w), d))
    return 0 if d == 0.0 else 1


# -------------------------------------------------------------------- main
def main():
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    w = init_weights()
    write_dir(os.path.join(OUT, "fixture"), w)

    # Inputs: three rows of T = 12 with 12, 9 and 5 real tokens.
    B, T, lens = 3, 12, (12, 9, 5)
    ids = torch.zeros(B, T, dtype=torch.int64)
    types = torch.zeros(B, T, dtype=torch.int64)
    mask = torch.zeros(B, T, dtype=torch.int64)
    for b, n in enumerate(lens):
        ids[b, :n] = torch.randint(len(SPECIALS), V, (n,))
        ids[b, 0], ids[b, n - 1] = TOK["[CLS]"], TOK["[SEP]"]
        mask[b, :n] = 1
    types[1, 5:9] = 1  # a second segment
    types[2, 2:5] = 1
    positions = torch.tensor([1, 4, 10, T + 3, T + 7, 2 * T + 2], dtype=torch.int64)
    mlm_labels = torch.randint(len(SPECIALS), V, (len(positions),))
    K = 3
    cls_w = torch.randn(K, C) / math.sqrt(C)
    cls_b = 0.1 * torch.randn(K)
    cls_labels = torch.tensor([2, 0, 1])
    hidden_weight = torch.randn(B, T, C)

    params = {k: v.clone().requires_grad_() for k, v in w.items()}
    h, pooled = bert(params, ids, types, mask)
    logits = mlm_head(params, h.reshape(B * T, C)[positions])
    loss = (F.cross_entropy(F.linear(pooled, cls_w, cls_b), cls_labels)
            + F.cross_entropy(logits, mlm_labels) + (h * hidden_weight).mean())
    loss.backward()

    # Conditioning: the same in float64 must agree closely.
    p64 = {k: v.double() for k, v in w.items()}
    with torch.no_grad():
        h64, pooled64 = bert(p64, ids, types, mask)
    print("float32 vs float64: hidden %.2e, pooled %.2e" % (
        (h.double() - h64).abs().max(), (pooled.double() - pooled64).abs().max()))

    golden = dict(input_ids=ids, token_type_ids=types, attention_mask=mask,
                  last_hidden_state=h.detach(), pooler_output=pooled.detach(),
                  mlm_positions=positions, mlm_labels=mlm_labels, mlm_logits=logits.detach(),
                  cls_labels=cls_labels, hidden_weight=hidden_weight,
                  loss=loss.detach().reshape(1))
    golden["classifier.weight"], golden["classifier.bias"] = cls_w, cls_b
    for k, v in params.items():
        golden["grad." + k] = v.grad

    # The half-precision copy in BertModel's layout.
    half, rounded = {}, {}
    for i, (name, _) in enumerate(names_shapes()):
        if name.startswith("cls."):
            continue
        t = w[name].to(torch.float16 if i % 2 == 0 else torch.bfloat16)
        half[name[len("bert."):]] = t
        rounded[name] = t.float()
    write_dir(os.path.join(OUT, "fixture-half"), half)
    with torch.no_grad():
        hh, ph = bert(rounded, ids, types, mask)
    golden["half.last_hidden_state"], golden["half.pooler_output"] = hh, ph
    write_safetensors(os.path.join(OUT, "golden.safetensors"), golden,
                      {"generator": "tests/reference/gen_bert.py, torch " + torch.__version__})

    # Mean pooling (yujing train --text-pool mean): its own seed, after the
    # draws above.
    torch.manual_seed(20261203)
    K2 = 4
    mcls_w = torch.randn(K2, C) / math.sqrt(C)
    mcls_b = 0.1 * torch.randn(K2)
    mcls_labels = torch.tensor([3, 1, 0])
    mparams = {k: v.clone().requires_grad_() for k, v in w.items()}
    mh, _ = bert(mparams, ids, types, mask)
    mf = mask.unsqueeze(-1).float()
    mean = (mh * mf).sum(1) / mf.sum(1).clamp(min=1.0)
    mloss = F.cross_entropy(F.linear(mean, mcls_w, mcls_b), mcls_labels)
    mloss.backward()
    mgold = {"mean_pooled": mean.detach(), "classifier.weight": mcls_w,
             "classifier.bias": mcls_b, "cls_labels": mcls_labels,
             "loss": mloss.detach().reshape(1)}
    for k, v in mparams.items():
        if k.startswith("cls.") or k.startswith("bert.pooler."):
            continue  # no gradient reaches them
        mgold["grad." + k] = v.grad
    write_safetensors(os.path.join(OUT, "golden-mean.safetensors"), mgold,
                      {"generator": "tests/reference/gen_bert.py, torch " + torch.__version__})

    # The CLI: `yujing embed --model fixture --json [--pool P] TEXT`, one
    # text at a time (B = 1, no padding).
    texts = ["盗窃电动车", "夜间持刀抢劫被害人现金", "网络刷单返利诈骗"]
    lines = []
    with torch.no_grad():
        for text in texts:
            tid = torch.tensor([[TOK["[CLS]"]] + [TOK[c] for c in text] + [TOK["[SEP]"]]])
            hs, pl = bert(w, tid, torch.zeros_like(tid), torch.ones_like(tid))
            for pool, vec in (("cls", hs[0, 0]), ("mean", hs[0].mean(0)), ("pooler", pl[0])):
                lines.append("\t".join([pool, text, " ".join(str(int(x)) for x in tid[0]),
                                        " ".join("%.9g" % float(x) for x in vec)]))
    with open(os.path.join(OUT, "embed-golden.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    for root in ("fixture", "fixture-half"):
        for fn in sorted(os.listdir(os.path.join(OUT, root))):
            p = os.path.join(OUT, root, fn)
            print("wrote", os.path.relpath(p), os.path.getsize(p), "bytes")
    for fn in ("golden.safetensors", "golden-mean.safetensors", "embed-golden.tsv"):
        p = os.path.join(OUT, fn)
        print("wrote", os.path.relpath(p), os.path.getsize(p), "bytes")


if __name__ == "__main__":
    main()
