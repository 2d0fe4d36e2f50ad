"""yujing_bert.py - a BERT masked-language model in plain PyTorch that reads and
writes the Hugging Face directories yujing reads and writes.

No `transformers` is needed (Debian ships none): the model below is Hugging
Face's BertForMaskedLM written out with the same module names, so its
state_dict keys are the checkpoint's keys (bert.embeddings.*,
bert.encoder.layer.N.*, cls.predictions.*) and the arithmetic is the same
(transformers/models/bert/modeling_bert.py, eager attention, GELU with erf,
LayerNorm eps from the config, the decoder tied to the word embeddings).

Used by tools/pretrain_ddp.py (distributed pretraining) and by the test
reference tests/reference/gen_hf_trained.py.  Standard library + torch only.
"""
import hashlib
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

# --------------------------------------------------------------- the model


class _Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"],
                                           padding_idx=c.get("pad_token_id", 0))
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c.get("type_vocab_size", 2), c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c.get("layer_norm_eps", 1e-12))
        self.dropout = nn.Dropout(c.get("hidden_dropout_prob", 0.1))

    def forward(self, ids, types):
        pos = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        e = self.word_embeddings(ids) + self.token_type_embeddings(types) + self.position_embeddings(pos)
        return self.dropout(self.LayerNorm(e))


class _SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.dropout = nn.Dropout(c.get("attention_probs_dropout_prob", 0.1))

    def forward(self, x, ext):
        B, T, C = x.shape
        hd = C // self.heads

        def split(t):
            return t.view(B, T, self.heads, hd).permute(0, 2, 1, 3)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + ext
        probs = self.dropout(torch.softmax(scores, dim=-1))
        return torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(B, T, C)


class _DenseNorm(nn.Module):
    """BertSelfOutput / BertOutput: dense, dropout, LayerNorm(. + residual)."""

    def __init__(self, c, n_in):
        super().__init__()
        self.dense = nn.Linear(n_in, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c.get("layer_norm_eps", 1e-12))
        self.dropout = nn.Dropout(c.get("hidden_dropout_prob", 0.1))

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class _Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = _SelfAttention(c)
        self.output = _DenseNorm(c, c["hidden_size"])

    def forward(self, x, ext):
        return self.output(self.self(x, ext), x)


class _Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])

    def forward(self, x):
        return F.gelu(self.dense(x))


class _Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = _Attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _DenseNorm(c, c["intermediate_size"])

    def forward(self, x, ext):
        a = self.attention(x, ext)
        return self.output(self.intermediate(a), a)


class _Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(_Layer(c) for _ in range(c["num_hidden_layers"]))

    def forward(self, x, ext):
        for layer in self.layer:
            x = layer(x, ext)
        return x


class _Bert(nn.Module):
    """BertModel(add_pooling_layer=False), as BertForMaskedLM holds it."""

    def __init__(self, c):
        super().__init__()
        self.embeddings = _Embeddings(c)
        self.encoder = _Encoder(c)

    def forward(self, ids, mask, types=None):
        if types is None:
            types = torch.zeros_like(ids)
        # get_extended_attention_mask: (1 - mask) * finfo.min
        ext = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        return self.encoder(self.embeddings(ids, types), ext)


class _Transform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c.get("layer_norm_eps", 1e-12))

    def forward(self, x):
        return self.LayerNorm(F.gelu(self.dense(x)))


class _Predictions(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transform = _Transform(c)
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))

    def forward(self, h, word_embeddings):
        # decoder = Linear(hidden, vocab) whose weight is the word embeddings
        return F.linear(self.transform(h), word_embeddings, self.bias)


class _Head(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = _Predictions(c)


class BertForMaskedLM(nn.Module):
    """Hugging Face's BertForMaskedLM: state_dict keys bert.* and cls.predictions.*.

    The decoder is tied to bert.embeddings.word_embeddings.weight and has no
    key of its own (a transformers checkpoint's cls.predictions.decoder.* are
    the same tensors: load_dir drops them)."""

    def __init__(self, config):
        super().__init__()
        self.config = dict(config)
        self.bert = _Bert(self.config)
        self.cls = _Head(self.config)

    def forward(self, ids, mask, types=None, select=None):
        """Last hidden states (B, T, C) and MLM logits (B, T, V); with select
        (a (B, T) bool tensor) the logits of the selected positions only
        (N, V), in row-major order: the head's cost where it is needed."""
        h = self.bert(ids, mask, types)
        hs = h if select is None else h[select]
        return h, self.cls.predictions(hs, self.bert.embeddings.word_embeddings.weight)

    def init_weights(self, generator=None):
        """BertPreTrainedModel._init_weights: N(0, initializer_range) for
        Linear and Embedding weights, zero biases and padding row, LayerNorm 1/0."""
        r = self.config.get("initializer_range", 0.02)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                with torch.no_grad():
                    m.weight.normal_(0.0, r, generator=generator)
                if isinstance(m, nn.Linear) and m.bias is not None:
                    nn.init.zeros_(m.bias)
                if isinstance(m, nn.Embedding) and m.padding_idx is not None:
                    with torch.no_grad():
                        m.weight[m.padding_idx].zero_()
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.zeros_(self.cls.predictions.bias)


# ------------------------------------------------------------- safetensors
_DT = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
       "I32": torch.int32}
_DTN = {v: k for k, v in _DT.items()}


def read_safetensors(path):
    """{name: tensor} (in the stored dtype) and the metadata dict."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        dt = _DT[e["dtype"]]
        raw = bytearray(data[base + a:base + b])
        if dt == torch.bfloat16:
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16)
        else:
            t = torch.frombuffer(raw, dtype=dt) if raw else torch.zeros(0, dtype=dt)
        out[name] = t.reshape(e["shape"]).clone()
    return out, meta


def write_safetensors(path, tensors, metadata=None):
    """Keys sorted, header padded with spaces to a multiple of 8 (the reference layout)."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        if t.dtype == torch.bfloat16:
            b = t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            b = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": _DTN[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


# ------------------------------------------------------------- directories
def read_vocab(path):
    """Tokens by id.  Lines end at '\\n' only: bert-base-chinese has two
    tokens holding U+2028, which str.splitlines() would break."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


# Keys a checkpoint may hold that this model has no parameter for: the tied
# decoder's copies, the pooler (BertForMaskedLM has none; yujing keeps it),
# and the position_ids buffer of older transformers.
IGNORED_KEYS = ("cls.predictions.decoder.weight", "cls.predictions.decoder.bias",
                "bert.pooler.dense.weight", "bert.pooler.dense.bias",
                "bert.embeddings.position_ids")


def load_dir(path, strict=True):
    """(model, config, vocab, ignored) from a Hugging Face BERT directory.

    The weights are loaded with load_state_dict(strict=strict) after the
    IGNORED_KEYS are set aside (returned, so a caller can say which they
    were); F16/BF16 tensors become float32."""
    with open(os.path.join(path, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    vocab = read_vocab(os.path.join(path, "vocab.txt"))
    want = cfg.pop("yujing_vocab_sha256", None)
    cfg.pop("torch_dtype", None)
    if want is not None:
        with open(os.path.join(path, "vocab.txt"), "rb") as f:
            got = hashlib.sha256(f.read()).hexdigest()
        if got != want:
            raise ValueError(f"{path}/vocab.txt has sha256 {got[:12]}..., the encoder was trained on "
                             f"{want[:12]}...: retrain it on this vocabulary")
    tensors, _ = read_safetensors(os.path.join(path, "model.safetensors"))
    sd, ignored = {}, []
    for k, t in tensors.items():
        key = k if k.startswith(("bert.", "cls.")) else "bert." + k  # BertModel's bare keys
        if key in IGNORED_KEYS:
            ignored.append(key)
            continue
        sd[key] = t.float()
    model = BertForMaskedLM(cfg)
    model.load_state_dict(sd, strict=strict)
    return model, cfg, vocab, sorted(ignored)


def vocab_bytes(vocab):
    """vocab.txt's bytes as save_dir writes them (one token a line, '\\n' after each)."""
    return ("\n".join(vocab) + "\n").encode("utf-8")


def save_dir(path, model, vocab, keep=None, dtype=torch.float32):
    """config.json, vocab.txt and model.safetensors (dtype: float32 or
    float16); keep: extra tensors to write as they are (e.g. a pooler the
    model does not use).  config.json records the vocabulary's SHA-256 as
    "yujing_vocab_sha256", which yujing checks against vocab.txt."""
    os.makedirs(path, exist_ok=True)
    cfg = dict(model.config)
    cfg.setdefault("architectures", ["BertForMaskedLM"])
    cfg.setdefault("model_type", "bert")
    cfg["vocab_size"] = len(vocab) if len(vocab) > cfg["vocab_size"] else cfg["vocab_size"]
    vb = vocab_bytes(vocab)
    cfg["yujing_vocab_sha256"] = hashlib.sha256(vb).hexdigest()
    if dtype == torch.float16:
        cfg["torch_dtype"] = "float16"
    with open(os.path.join(path, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(path, "vocab.txt"), "wb") as f:
        f.write(vb)
    tensors = {k: v.to(dtype) for k, v in model.state_dict().items()}
    for k, v in (keep or {}).items():
        tensors.setdefault(k, v.to(dtype))
    write_safetensors(os.path.join(path, "model.safetensors"), tensors, {"format": "pt"})


# ----------------------------------------------------------------- masking
def _start_masking(ids, attn, special):
    """A copy of ids, labels all -100, and the candidates: attended tokens
    that are not special."""
    cand = attn.bool()
    for s in special:
        cand &= ids != s
    return ids.clone(), torch.full_like(ids, -100), cand


def mask_tokens(ids, attn, special, vocab_size, mask_id, frac, gen):
    """The masking of `yujing pretrain` (src/train/pretrain.c, pretrain_mask):
    of a text's nc tokens that are not [CLS], [SEP] or padding, exactly
    k = floor(frac * nc + 1/2) (at least 1, at most nc) are predicted,
    chosen uniformly without replacement; each becomes [MASK] with
    probability 0.8, stays as it is with 0.1 and becomes a uniformly random
    id with 0.1.  Returns (inputs, labels), labels -100 where nothing is
    predicted.  (The random streams differ from yujing's: the rule is the
    same, not the draws.)"""
    ids, labels, cand = _start_masking(ids, attn, special)
    for b in range(ids.shape[0]):
        pos = torch.nonzero(cand[b]).flatten()
        nc = len(pos)
        if nc == 0:
            continue
        k = min(max(int(math.floor(frac * nc + 0.5)), 1), nc)
        chosen = pos[torch.randperm(nc, generator=gen)[:k]]
        labels[b, chosen] = ids[b, chosen]
        u = torch.rand(k, generator=gen)
        ids[b, chosen[u < 0.8]] = mask_id
        rnd = chosen[u >= 0.9]
        ids[b, rnd] = torch.randint(vocab_size, (len(rnd),), generator=gen)
    return ids, labels


def span_mask_tokens(ids, attn, special, vocab_size, mask_id, frac, gen, p=0.2, max_span=10):
    """The span masking of `yujing pretrain --masking span` (pretrain.c,
    pretrain_span_mask; the rule in pretrain.h and the man page): the same
    k = floor(frac * nc + 1/2) predicted tokens per text as mask_tokens,
    chosen span by span until k are: a length from a geometric
    distribution (p, P(L = l) = p (1 - p)^(l - 1)) cut to max_span and to
    what is left of k; a start drawn uniformly among the candidates not yet
    chosen; the span runs on from the start, stopping before a position
    that is not a candidate ([CLS], [SEP], padding) or is already chosen.
    Each span is replaced as a whole: [MASK] with probability 0.8, kept
    with 0.1, random ids with 0.1.  (The rule is yujing's; the random
    streams are torch's.)"""
    ids, labels, cand = _start_masking(ids, attn, special)
    log_q = math.log(1.0 - p)
    for b in range(ids.shape[0]):
        ok = cand[b].tolist()
        nc = sum(ok)
        if nc == 0:
            continue
        k = min(max(int(math.floor(frac * nc + 0.5)), 1), nc)
        chosen = [False] * len(ok)
        done = 0
        while done < k:
            u = float(torch.rand(1, generator=gen))
            n = min(max_span, 1 + int(math.floor(math.log(1.0 - u) / log_q)), k - done)
            free = [t for t in range(len(ok)) if ok[t] and not chosen[t]]
            t = free[int(torch.randint(len(free), (1,), generator=gen))]
            span = []
            while t < len(ok) and len(span) < n and ok[t] and not chosen[t]:
                chosen[t] = True
                span.append(t)
                t += 1
            done += len(span)
            idx = torch.tensor(span)
            labels[b, idx] = ids[b, idx]
            r = float(torch.rand(1, generator=gen))
            if r < 0.8:
                ids[b, idx] = mask_id
            elif r >= 0.9:
                ids[b, idx] = torch.randint(vocab_size, (len(span),), generator=gen)
    return ids, labels
