#!/bin/sh
# hf-torch.sh - Hugging Face both ways with trained weights, and pretraining
# on PyTorch's distributed engine (tools/pretrain_ddp.py):
#   1. yujing pretrains a tiny encoder on CAIL facts and exports it; PyTorch
#      (tools/yujing_bert.py's BertForMaskedLM) loads the export with a strict
#      state-dict load, only the pooler set aside, and computes yujing's
#      vectors to 1e-4;
#   2. the export and the project's corpus (`pretrain --export-corpus`) go to
#      torchrun with two gloo processes for a few steps; the directory it
#      writes loads in yujing (embed, pretrain --from, train --text-model)
#      and again gives PyTorch's vectors.
# Needs Debian's python3-torch (.ci/deps --test installs it); skipped without.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

PY=/usr/bin/python3
if ! [ -x $PY ] || ! $PY -c 'import torch, torch.distributed' 2>/dev/null || ! have torchrun; then
	skip "Hugging Face round trip and distributed pretraining" "python3-torch (torch, torchrun) is not installed"
	done_testing
fi
export top_srcdir
head -n 240 "$top_srcdir/share/yujing/demo/cail/cases.jsonl" > cases.jsonl
expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj -s cases -k @id -l meta.accusation -t fact cases.jsonl
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing pretrain p.yj --config tiny --epochs 1 --max-len 32 --batch 16 --threads 1
expect_exit 0 yujing pretrain p.yj --export start

TEXTS='被告人李某于2014年12月24日投案自首。
经审理查明，被告人王某盗窃电动车一辆，价值人民币3000元。
The defendant, Mr. Smith, stole 2 phones.'
# 1. yujing's export in PyTorch
run sh -c "printf '%s\n' \"\$1\" | tr '\n' '\0' | xargs -0 $PY \"\$2/tests/cli/hf_torch_check.py\" start \"\$3\"" x "$TEXTS" "$top_srcdir" "$YUJING"
expect_eq "$rc" 0 "PyTorch loads yujing's export strictly and gives its vectors (cls, mean) to 1e-4"
diag_file "$T/stdout" "hf_torch_check"
expect_stdout_contains 'ignored: bert.pooler.dense.bias bert.pooler.dense.weight'

# 2. the corpus as yujing tokenizes it, two gloo processes, and back
expect_exit 0 yujing pretrain p.yj --export-corpus corpus.jsonl --max-len 32
check "the corpus has one line per distinct text, with ids" \
	$PY -c 'import json,sys; L=[json.loads(l) for l in open("corpus.jsonl")]; assert len(L)==240 and all(o["ids"][0]==101 and o["ids"][-1]==102 and len(o["ids"])<=32 for o in L), len(L)'
# a free port for the processes' store (torchrun's default, 29500, is
# taken when another torchrun runs on the machine, as in a parallel check)
port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run env OMP_NUM_THREADS=1 torchrun --master_addr 127.0.0.1 --master_port "$port" \
	--redirects 2 --tee 2 --log_dir "$T/ddp-logs" --nproc_per_node 2 \
	"$top_srcdir/tools/pretrain_ddp.py" --model start --corpus corpus.jsonl --out ddp \
	--epochs 1 --batch 16 --lr 0.001 --log-every 2
expect_eq "$rc" 0 "torchrun, two processes: pretrain_ddp.py ends well"
diag_file "$T/stdout" "pretrain_ddp (stdout)"
diag_file "$T/stderr" "pretrain_ddp (stderr)"
expect_stdout_contains '2 processes (gloo), 228 texts (12 held out), 8 steps an epoch'
expect_stdout_contains 'epoch 1: held-out loss'
expect_stdout_contains 'wrote ddp'
run sh -c "printf '%s\n' \"\$1\" | tr '\n' '\0' | xargs -0 $PY \"\$2/tests/cli/hf_torch_check.py\" ddp \"\$3\"" x "$TEXTS" "$top_srcdir" "$YUJING"
expect_eq "$rc" 0 "the distributed result loads in yujing and gives PyTorch's vectors to 1e-4"
diag_file "$T/stdout" "hf_torch_check"
diag_file "$T/stderr" "hf_torch_check (stderr)"
expect_exit 0 yujing pretrain p.yj --from ddp --epochs 1 --max-len 32 --batch 16 --threads 1
expect_exit 0 yujing split p.yj --seed 1
expect_exit 0 yujing train p.yj --text-model ddp --freeze-text --branches text --max-len 32 --epochs 1 --threads 1
done_testing
