#!/usr/bin/python3
"""hf_torch_check.py DIR YUJING TEXT... - a Hugging Face directory in PyTorch
and in yujing: the same vectors.

Loads DIR into tools/yujing_bert.py's BertForMaskedLM with a strict
state-dict load (only the keys the model has no parameter for are set aside,
and printed), then for each TEXT compares the [CLS] hidden state and the
mean of the last hidden states over the tokens with what `YUJING embed
--model DIR --pool cls|mean --json` prints, on the token ids yujing used.
Prints "ignored: ..." and "worst: X"; exits 1 when a difference exceeds 1e-4.
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
    for pool in ("cls", "mean"):
        out = subprocess.run([yujing, "embed", "--model", d, "--pool", pool, "--json"] + texts,
                             capture_output=True, text=True, check=True).stdout.splitlines()
        for line in out:
            o = json.loads(line)
            ids = torch.tensor([o["ids"]])
            with torch.no_grad():
                h, _ = model(ids, torch.ones_like(ids))
            v = h[0, 0] if pool == "cls" else h[0].mean(0)
            worst = max(worst, (v - torch.tensor(o["vector"])).abs().max().item())
    print(f"worst: {worst:.3g}")
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
