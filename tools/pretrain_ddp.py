#!/usr/bin/python3
"""pretrain_ddp.py - masked-language-model pretraining of a yujing encoder on
many processes, with PyTorch's DistributedDataParallel.

yujing pretrains on one machine's CPU.  Millions of case texts belong on
GPUs and several machines; this script takes yujing's encoder and corpus
there and brings the result back:

    yujing pretrain case.yj --export start/            # the encoder to start from
    yujing pretrain case.yj --export-corpus corpus.jsonl   # the texts, as yujing tokenizes them
    torchrun --nproc_per_node 2 tools/pretrain_ddp.py \\
        --model start/ --corpus corpus.jsonl --out pretrained/ --epochs 3
    yujing pretrain case.yj --use pretrained/   # or: yujing train case.yj --text-model pretrained/

On a GPU cluster, one line per node (N nodes of G GPUs, nccl chosen when CUDA is there):

    torchrun --nnodes N --nproc_per_node G --rdzv_backend c10d \\
        --rdzv_endpoint HOST:29500 tools/pretrain_ddp.py --model start/ \\
        --corpus corpus.jsonl --out pretrained/ --epochs 3 --batch 64

The corpus is JSON lines {"text": ..., "ids": [...]} as
`yujing pretrain --export-corpus` writes them; only "ids" (token ids,
[CLS] ... [SEP]) is read, so the texts are tokenized by yujing itself and
"text" is there for people and other tools.  The masking is yujing's
(--masking token: tools/yujing_bert.py, mask_tokens) or contiguous spans
(--masking span: span_mask_tokens, the rule of `yujing pretrain --masking
span`, the same number of predicted tokens); the optimiser AdamW with linear warm-up and
decay, decay on weights but not on biases and LayerNorm, gradient clipping at
--clip; a seeded 5% of the texts is held out and scored with a fixed token
mask after each epoch (loss and masked-token accuracy, summed over all
processes; the same measure whatever --masking trains with).  Rank 0 writes
--out as a Hugging Face directory (config.json with "yujing_vocab_sha256",
vocab.txt, model.safetensors; F32, or F16 with --dtype f16) that yujing
loads.  --init L,H,A,I --vocab FILE starts from a new model instead of
--model; --cut-vocab keeps only the tokens the corpus uses (how the shipped
encoder, share/yujing/encoders/cail-bert-tiny, stays small: its README has
the command); --time-limit ends a long run early, its result written as at
the end.

Standard library and torch (Debian's python3-torch) only.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yujing_bert as yb  # noqa: E402


def parse_args(argv=None):
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("--model", help="Hugging Face BERT directory to start from")
    a.add_argument("--init", metavar="L,H,A,I",
                   help="start from a new model instead: layers, hidden, heads, intermediate "
                        "(with --vocab; --max-pos positions)")
    a.add_argument("--vocab", help="the vocabulary the corpus ids refer to (with --init)")
    a.add_argument("--max-pos", type=int, default=512, help="position embeddings of an --init model")
    a.add_argument("--cut-vocab", action="store_true",
                   help="keep only the tokens the corpus uses (and [PAD] [UNK] [CLS] [SEP] [MASK]), "
                        "in their order; the corpus ids and the embeddings are mapped to the new ids")
    a.add_argument("--masking", choices=("token", "span"), default="token",
                   help="token: BERT's (yujing's); span: contiguous spans (yujing's --masking span)")
    a.add_argument("--dtype", choices=("f32", "f16"), default="f32", help="the weights written to --out")
    a.add_argument("--corpus", required=True, help="JSON lines with 'ids' (yujing pretrain --export-corpus)")
    a.add_argument("--out", required=True, help="directory to write the pretrained encoder to")
    a.add_argument("--epochs", type=int, default=3)
    a.add_argument("--batch", type=int, default=32, help="texts per step per process")
    a.add_argument("--lr", type=float, default=1e-4, help="peak learning rate of AdamW")
    a.add_argument("--weight-decay", type=float, default=0.01)
    a.add_argument("--warmup", type=float, default=0.06, help="share of the steps spent warming up")
    a.add_argument("--clip", type=float, default=1.0, help="gradient norm clip (0: none)")
    a.add_argument("--mask", type=float, default=0.15, help="share of the tokens predicted")
    a.add_argument("--max-len", type=int, default=0, help="truncate the ids (0: as in the corpus)")
    a.add_argument("--seed", type=int, default=42)
    a.add_argument("--backend", choices=("auto", "gloo", "nccl"), default="auto")
    a.add_argument("--log-every", type=int, default=10, help="steps between progress lines")
    a.add_argument("--time-limit", type=float, default=0,
                   help="seconds of training after which the run ends early (held-out figures and "
                        "--out as at the end; 0: none)")
    return a.parse_args(argv)


def load_corpus(path, max_len, cls_id, sep_id):
    docs = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                ids = json.loads(line)["ids"]
            except (ValueError, KeyError, TypeError) as e:
                sys.exit(f"{path}:{n}: not a JSON object with 'ids' ({e})")
            if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
                sys.exit(f"{path}:{n}: 'ids' is not a list of integers")
            if max_len and len(ids) > max_len:  # keep [SEP] at the end, as yujing truncates
                ids = ids[:max_len - 1] + [sep_id]
            if len(ids) > 2:
                docs.append(ids)
    return docs


def batches(docs, order, size, pad_id):
    for i in range(0, len(order), size):
        chunk = [docs[j] for j in order[i:i + size]]
        T = max(len(d) for d in chunk)
        ids = torch.full((len(chunk), T), pad_id, dtype=torch.long)
        attn = torch.zeros((len(chunk), T), dtype=torch.long)
        for b, d in enumerate(chunk):
            ids[b, :len(d)] = torch.tensor(d)
            attn[b, :len(d)] = 1
        yield ids, attn


def mlm_loss(model, ids, attn, labels):
    """Summed cross-entropy at the predicted positions and their logits (N, V)."""
    sel = labels != -100
    _, logits = model(ids, attn, None, sel)
    return F.cross_entropy(logits, labels[sel], reduction="sum"), logits


def main(argv=None):
    args = parse_args(argv)
    backend = args.backend
    if backend == "auto":
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    local = int(os.environ.get("LOCAL_RANK", "0"))
    dev = torch.device(f"cuda:{local}" if backend == "nccl" else "cpu")
    if dev.type == "cuda":
        torch.cuda.set_device(dev)

    if (args.model is None) == (args.init is None):
        sys.exit("pretrain_ddp: give --model DIR or --init L,H,A,I (with --vocab)")
    if args.init:
        if not args.vocab:
            sys.exit("pretrain_ddp: --init needs --vocab")
        L, H, A, I = (int(x) for x in args.init.split(","))
        vocab = yb.read_vocab(args.vocab)
        cfg = {"architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": len(vocab),
               "hidden_size": H, "num_hidden_layers": L, "num_attention_heads": A,
               "intermediate_size": I, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
               "attention_probs_dropout_prob": 0.1, "max_position_embeddings": args.max_pos,
               "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
               "pad_token_id": vocab.index("[PAD]"), "position_embedding_type": "absolute"}
        model, ignored, keep = yb.BertForMaskedLM(cfg), [], {}
        torch.manual_seed(args.seed)
        model.init_weights(torch.Generator().manual_seed(args.seed))
    else:
        model, cfg, vocab, ignored = yb.load_dir(args.model)
        start_tensors, _ = yb.read_safetensors(os.path.join(args.model, "model.safetensors"))
        keep = {k: v.float() for k, v in start_tensors.items() if k.startswith("bert.pooler.")}
    tok = {t: i for i, t in enumerate(vocab)}
    cls_id, sep_id, pad_id, mask_id = (tok[t] for t in ("[CLS]", "[SEP]", "[PAD]", "[MASK]"))
    docs = load_corpus(args.corpus, args.max_len, cls_id, sep_id)
    if args.cut_vocab:
        used = {i for d in docs for i in d} | {tok[t] for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")}
        old = sorted(used)
        new_id = {o: n for n, o in enumerate(old)}
        docs = [[new_id[i] for i in d] for d in docs]
        vocab = [vocab[o] for o in old]
        idx = torch.tensor(old)
        with torch.no_grad():
            emb = model.bert.embeddings.word_embeddings
            w = emb.weight[idx].clone()
            b = model.cls.predictions.bias[idx].clone()
            cfg = dict(model.config, vocab_size=len(vocab), pad_token_id=new_id[cfg.get("pad_token_id", 0)])
            fresh = yb.BertForMaskedLM(cfg)
            sd = model.state_dict()
            sd["bert.embeddings.word_embeddings.weight"] = w
            sd["cls.predictions.bias"] = b
            fresh.load_state_dict(sd)
        model = fresh
        tok = {t: i for i, t in enumerate(vocab)}
        cls_id, sep_id, pad_id, mask_id = (tok[t] for t in ("[CLS]", "[SEP]", "[PAD]", "[MASK]"))
    mask_fn = yb.span_mask_tokens if args.masking == "span" else yb.mask_tokens
    if max((max(d) for d in docs), default=0) >= cfg["vocab_size"]:
        sys.exit(f"{args.corpus}: an id is beyond the model's vocab_size {cfg['vocab_size']}")
    if max((len(d) for d in docs), default=0) > cfg["max_position_embeddings"]:
        sys.exit(f"{args.corpus}: a text is longer than max_position_embeddings; pass --max-len")

    # A seeded 5% held out (at least one text when there are two), as yujing does.
    g = torch.Generator().manual_seed(args.seed)
    perm = torch.randperm(len(docs), generator=g).tolist()
    nh = 0 if len(docs) < 2 else max(1, int(math.floor(0.05 * len(docs) + 0.5)))
    held, train = [docs[i] for i in perm[:nh]], [docs[i] for i in perm[nh:]]
    if not train:
        sys.exit(f"{args.corpus}: no text to train on")

    model.to(dev)
    ddp = DDP(model, device_ids=[dev.index] if dev.type == "cuda" else None)
    decay = [p for n, p in model.named_parameters() if n.endswith("weight") and "LayerNorm" not in n]
    rest = [p for n, p in model.named_parameters() if not (n.endswith("weight") and "LayerNorm" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": rest, "weight_decay": 0.0}], lr=args.lr)
    if len(train) < world:
        sys.exit(f"{args.corpus}: {len(train)} texts to train on, fewer than the {world} processes")
    share = math.ceil(len(train) / world)
    steps_per_epoch = math.ceil(share / args.batch)
    total = steps_per_epoch * args.epochs
    warm = int(args.warmup * total)

    def lr_at(step):
        if step < warm:
            return args.lr * (step + 1) / warm
        return args.lr * max(0.0, (total - step) / max(1, total - warm))

    special = (cls_id, sep_id, pad_id)
    step, t0 = 0, time.time()
    if rank == 0:
        print(f"pretrain_ddp: {world} processes ({backend}), {len(train)} texts "
              f"({len(held)} held out), {steps_per_epoch} steps an epoch of {args.batch} texts "
              f"per process, {args.epochs} epochs", flush=True)
        print(f"pretrain_ddp: {sum(p.numel() for p in model.parameters())} parameters, vocabulary of "
              f"{len(vocab)}, {args.masking} masking", flush=True)
        if ignored:
            print(f"pretrain_ddp: set aside from {args.model}: {', '.join(ignored)}", flush=True)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train), generator=torch.Generator().manual_seed(args.seed + 1 + epoch))
        # every world-th text; a share one short repeats its first text, as
        # DistributedSampler pads, so that every process takes the same steps
        mine = order[rank::world].tolist()
        mine += mine[:share - len(mine)]
        mg = torch.Generator().manual_seed((args.seed * 1000003 + epoch) * 4099 + rank)
        stop = torch.zeros(1)
        for ids, attn in batches(train, mine, args.batch, pad_id):
            if args.time_limit > 0:  # every process stops at the same step
                stop[0] = float(time.time() - t0 > args.time_limit)
                dist.all_reduce(stop)
                if stop[0] > 0:
                    break
            x, y = mask_fn(ids, attn, special, cfg["vocab_size"], mask_id, args.mask, mg)
            x, y, attn = x.to(dev), y.to(dev), attn.to(dev)
            for grp in opt.param_groups:
                grp["lr"] = lr_at(step)
            opt.zero_grad(set_to_none=True)
            loss_sum, _ = mlm_loss(ddp, x, attn, y)
            n = (y != -100).sum()
            (loss_sum / n.clamp(min=1)).backward()
            if args.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            step += 1
            if rank == 0 and (step % args.log_every == 0 or step == total):
                el = time.time() - t0
                eta = el / step * (total - step)
                print(f"step {step}/{total} epoch {epoch + 1} loss {float(loss_sum / n):.4f} "
                      f"lr {lr_at(step - 1):.3g} {el:.0f}s ETA {eta:.0f}s", flush=True)
        # held-out loss and masked-token accuracy with a fixed mask, summed over processes
        model.eval()
        tot = torch.zeros(3, dtype=torch.float64)
        hg = torch.Generator().manual_seed(args.seed ^ 0x5EED)
        with torch.no_grad():
            hmine = list(range(len(held)))[rank::world]
            for ids, attn in batches(held, hmine, args.batch, pad_id) if hmine else []:
                x, y = yb.mask_tokens(ids, attn, special, cfg["vocab_size"], mask_id, args.mask, hg)
                ls, logits = mlm_loss(model, x.to(dev), attn.to(dev), y.to(dev))
                sel = y.to(dev) != -100
                tot += torch.tensor([float(ls), float(sel.sum()),
                                     float((logits.argmax(-1) == y.to(dev)[sel]).sum())],
                                    dtype=torch.float64)
        dist.all_reduce(tot)
        if rank == 0 and tot[1] > 0:
            print(f"epoch {epoch + 1}: held-out loss {tot[0] / tot[1]:.4f}, masked-token accuracy "
                  f"{tot[2] / tot[1]:.4f}", flush=True)
        if stop[0] > 0:
            if rank == 0:
                print(f"pretrain_ddp: --time-limit {args.time_limit:g}s reached at step {step} of {total}",
                      flush=True)
            break
    if rank == 0:
        model.to("cpu")
        yb.save_dir(args.out, model, vocab, keep=keep,
                    dtype=torch.float16 if args.dtype == "f16" else torch.float32)
        print(f"pretrain_ddp: wrote {args.out}", flush=True)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
