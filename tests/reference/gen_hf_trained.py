#!/usr/bin/python3
"""gen_hf_trained.py - a BertForMaskedLM trained in PyTorch on real case text,
and what PyTorch computes with it: yujing must load it and compute the same
(tests/model/test-hf-trained.c).

The other golden files (gen_bert.py) use random weights; a trained model has
the weight statistics a real checkpoint has (large LayerNorm gains, peaked
attention, confident MLM logits), where a loader or layout bug shows.

    /usr/bin/python3 tests/reference/gen_hf_trained.py build/yujing

Run from the repository root at development time; the outputs are committed
(make check needs no torch).  The model is tools/yujing_bert.py's
BertForMaskedLM (Hugging Face's, in plain torch).  The text: the facts of
share/yujing/demo/cail/cases.jsonl (CAIL2018, see share/yujing/demo/README),
tokenized by `yujing tokenize` with the shipped bert-base-chinese vocabulary;
the vocabulary is then cut to the tokens those facts use (ids renumbered), so
the files stay small.  Training: 300 AdamW steps (lr 2e-3, batch 16, 48
tokens, yujing's masking) from BERT's initialisation, seed 7.

Written:
  tests/model/hf-trained/        config.json, vocab.txt, model.safetensors (F32,
                                 bert.* and cls.predictions.*, no pooler:
                                 BertForMaskedLM has none)
  tests/model/hf-trained-golden.safetensors
      input_ids, attention_mask   I64 [B, T]: six facts left out of training
      last_hidden_state           F32 [B, T, C] (eval mode)
      mlm_positions               I64 [P]: flat b*T + t of the masked tokens
      mlm_logits                  F32 [P, V], the inputs with those tokens [MASK]ed
      masked_input_ids            I64 [B, T]
"""
import json
import os
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tools"))
import yujing_bert as yb  # noqa: E402

T = 48
torch.manual_seed(7)
torch.set_num_threads(1)


def main(yujing):
    facts = []
    with open(os.path.join(TOP, "share/yujing/demo/cail/cases.jsonl"), encoding="utf-8") as f:
        for line in f:
            facts.append(json.loads(line)["fact"].replace("\n", " ").strip())
    facts = [x for x in facts if x][:1200]
    out = subprocess.run([yujing, "tokenize", "--max-len", str(T), "--json"],
                         input="\n".join(facts) + "\n", capture_output=True, text=True, check=True)
    full = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(full) == len(facts)
    # the cut vocabulary: the specials, then every token used, in full-vocabulary order
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    used = {}
    for o in full:
        for i, t in zip(o["ids"], o["tokens"]):
            used[i] = t
    vocab = specials + [used[i] for i in sorted(used) if used[i] not in specials]
    tok = {t: i for i, t in enumerate(vocab)}
    docs = [[tok[t] for t in o["tokens"]] for o in full]
    held, train = docs[:6], docs[6:]

    cfg = dict(architectures=["BertForMaskedLM"], model_type="bert", vocab_size=len(vocab),
               hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
               hidden_act="gelu", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
               max_position_embeddings=64, type_vocab_size=2, initializer_range=0.02,
               layer_norm_eps=1e-12, pad_token_id=0, position_embedding_type="absolute")
    model = yb.BertForMaskedLM(cfg)
    g = torch.Generator().manual_seed(7)
    model.init_weights(g)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    special = (tok["[CLS]"], tok["[SEP]"], tok["[PAD]"])

    def batch(ds):
        L = max(len(d) for d in ds)
        ids = torch.zeros((len(ds), L), dtype=torch.long)
        attn = torch.zeros((len(ds), L), dtype=torch.long)
        for b, d in enumerate(ds):
            ids[b, :len(d)] = torch.tensor(d)
            attn[b, :len(d)] = 1
        return ids, attn

    model.train()
    for step in range(300):
        pick = torch.randint(len(train), (16,), generator=g).tolist()
        ids, attn = batch([train[i] for i in pick])
        x, y = yb.mask_tokens(ids, attn, special, len(vocab), tok["[MASK]"], 0.15, g)
        _, logits = model(x, attn)
        loss = torch.nn.functional.cross_entropy(logits.view(-1, len(vocab)), y.view(-1), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == 299:
            print(f"step {step} loss {loss.item():.4f}", file=sys.stderr)

    model.eval()
    ids, attn = batch(held)
    with torch.no_grad():
        h, _ = model(ids, attn)
        # two masked tokens per text, at fixed places inside the text
        pos = []
        for b, d in enumerate(held):
            pos += [b * ids.shape[1] + 3, b * ids.shape[1] + len(d) // 2]
        pos = torch.tensor(pos)
        mids = ids.clone().view(-1)
        mids[pos] = tok["[MASK]"]
        mids = mids.view(ids.shape)
        _, mlog = model(mids, attn)
        mlog = mlog.reshape(-1, len(vocab))[pos]
    d = os.path.join(TOP, "tests/model/hf-trained")
    yb.save_dir(d, model, vocab)
    yb.write_safetensors(os.path.join(TOP, "tests/model/hf-trained-golden.safetensors"), {
        "input_ids": ids, "attention_mask": attn, "last_hidden_state": h.float(),
        "mlm_positions": pos.long(), "mlm_logits": mlog.float(), "masked_input_ids": mids})
    print(f"vocab {len(vocab)}, held-out texts {len(held)}, {len(pos)} masked positions; "
          f"top-1 right at {int((mlog.argmax(-1) == ids.view(-1)[pos]).sum())}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/yujing")
