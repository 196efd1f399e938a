#!/usr/bin/env python3
"""Logits of a Hugging Face model folder computed by transformers itself.

Used to check Coil's engine against the real Hugging Face implementation
(`modeling_falcon_mamba.py` / `modeling_mamba.py`, their plain-torch path). Build-time /
test-time tool only (PyPI torch + transformers, see tools/requirements-demo.txt).

  python tools/hf_reference_logits.py --model DIR --ids 1,2,3 [--out FILE] [--compare FILE]

--out writes little-endian float32 [n_ids, vocab], row-major: the same layout as
`coil logits --out`. --compare reads such a file (a golden, or our engine's output) and prints
the max absolute difference and that difference relative to the largest |logit| there.
Weights are upcast to float32 and the whole sequence runs in one forward pass, no cache.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch


def load_model(folder):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    mt = cfg.get("model_type")
    if mt == "falcon_mamba":
        from transformers import FalconMambaForCausalLM as cls
    elif mt == "mamba":
        from transformers import MambaForCausalLM as cls
    else:
        from transformers import AutoModelForCausalLM as cls
    return cls.from_pretrained(folder, dtype=torch.float32).eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="Hugging Face model folder")
    ap.add_argument("--ids", required=True, help="comma-separated token ids")
    ap.add_argument("--out", help="write float32 [n, vocab] little-endian here")
    ap.add_argument("--compare", help="a float32 [n, vocab] file to compare with")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    ids = [int(t) for t in args.ids.replace(" ", "").split(",") if t]
    if not ids:
        sys.exit("error: --ids is empty")
    model = load_model(args.model)
    vocab = model.config.vocab_size
    if max(ids) >= vocab or min(ids) < 0:
        sys.exit(f"error: id out of range for vocab {vocab}")
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].float()
    arr = np.ascontiguousarray(logits.numpy().astype("<f4"))
    if args.out:
        tmp = args.out + ".tmp"
        arr.tofile(tmp)
        os.replace(tmp, args.out)
    print(f"{len(ids)} ids x {vocab} vocab; last-position argmax {int(arr[-1].argmax())}")
    if not args.out and not args.compare:
        np.set_printoptions(precision=5, suppress=True, linewidth=120)
        print(arr)
    if args.compare:
        ref = np.fromfile(args.compare, dtype="<f4")
        if ref.size != arr.size:
            sys.exit(f"error: {args.compare} has {ref.size} floats, expected {arr.size}")
        ref = ref.reshape(arr.shape)
        diff = np.abs(arr.astype(np.float64) - ref.astype(np.float64))
        scale = float(np.abs(ref).max())
        print(f"vs {args.compare}: max abs diff {diff.max():.3e}, "
              f"relative to max |logit| ({scale:.3g}) {diff.max() / scale:.3e}, "
              f"same argmax at {int((arr.argmax(-1) == ref.argmax(-1)).sum())}/{len(ids)} positions")


if __name__ == "__main__":
    main()
