#!/usr/bin/python3
"""hf_torch_check.py DIR YUJING TEXT... - a Hugging Face directory in PyTorch
and in yujing: the same vectors.

Loads DIR into tools/yujing_bert.py's BertForMaskedLM with a strict
state-dict load (only the keys the model has no parameter for are set aside,
and printed), then for each TEXT compares the [CLS] hidden state and the
mean of the last hidden states over the tokens with what `YUJING embed
--model DIR --pool cls|mean --json` prints, on the token ids yujing used.
With --mlm it also compares every token's last hidden state and the MLM
head (the logits of yujing's five best ids, the log-sum-exp of each row, the
argmax).  Prints "ignored: ...", "worst: X" and the hidden/MLM worst; exits 1
when a difference exceeds 1e-4.
Used by tests/cli/hf-torch.sh (skipped where torch is missing).
"""
import json
import os
import subprocess
import sys

import torch

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tools"))
import yujing_bert as yb  # noqa: E402


def main(d, yujing, texts):
    torch.set_num_threads(1)
    model, _, _, ignored = yb.load_dir(d, strict=True)
    model.eval()
    print("ignored:", " ".join(ignored) or "(none)")
    worst = 0.0
    worst_h = worst_l = 0.0
    rows = 0
    for pool in ("cls", "mean"):
        out = subprocess.run([yujing, "embed", "--model", d, "--pool", pool, "--json", "--mlm"] + texts,
                             capture_output=True, text=True, check=True).stdout.splitlines()
        for line in out:
            o = json.loads(line)
            ids = torch.tensor([o["ids"]])
            with torch.no_grad():
                h, logits = model(ids, torch.ones_like(ids))
            v = h[0, 0] if pool == "cls" else h[0].mean(0)
            worst = max(worst, (v - torch.tensor(o["vector"])).abs().max().item())
            # every token's hidden state, and the MLM head: the logits of
            # yujing's 5 best ids, the row's log-sum-exp, the same argmax
            worst_h = max(worst_h, (h[0] - torch.tensor(o["hidden"])).abs().max().item())
            for t, r in enumerate(o["mlm"]):
                row = logits[0, t].double()
                got = row[torch.tensor(r["top"])]
                worst_l = max(worst_l, (got - torch.tensor(r["logits"], dtype=torch.float64)).abs().max().item(),
                              abs(torch.logsumexp(row, 0).item() - r["lse"]))
                if row[r["top"][0]] < row.max() - 1e-4:
                    print(f"argmax differs at token {t}: yujing {r['top'][0]}, torch {int(row.argmax())}")
                    worst_l = float("inf")
                rows += 1
    print(f"worst: {worst:.3g}")
    print(f"hidden states worst: {worst_h:.3g}; MLM logits worst: {worst_l:.3g} over {rows} positions")
    return 0 if max(worst, worst_h, worst_l) <= 1e-4 and rows > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
