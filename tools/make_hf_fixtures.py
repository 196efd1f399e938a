#!/usr/bin/env python3
"""Builds small random-weight checkpoints with the real Hugging Face implementation
(transformers' FalconMambaForCausalLM / MambaForCausalLM), saves them with
save_pretrained, and records their logits at every position as golden files, so Coil's
engine is checked against the actual HF code and not only against our own reference.

Usage: python tools/make_hf_fixtures.py [--out tests/data/models]
Needs (build-time only): torch, transformers, safetensors  (see tools/requirements-demo.txt)

Each folder gets config.json, model.safetensors and golden/{ids.txt,NAME.f32} in the same
layout as ../shared/fixtures/models (float32 [n_ids, vocab], little-endian).
"""
import argparse
import json
import os

import torch


def round_weights(model, dtype):
    """Rounds every parameter to `dtype` and back, so an fp32 forward computes exactly
    on the values that will be stored."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(dtype).to(torch.float32))


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("A_log"):
                n = p.shape[-1]
                p.copy_(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).expand_as(p)
                        + 0.1 * torch.rand(p.shape, generator=g))
            elif name.endswith("dt_proj.bias"):
                p.copy_(torch.empty(p.shape).uniform_(-4.0, -1.0, generator=g))
            elif "norm" in name:
                p.copy_(1.0 + 0.2 * torch.rand(p.shape, generator=g) - 0.1)
            else:
                fan_in = p.shape[-1] if p.dim() > 1 else 1
                s = 1.0 / max(1.0, fan_in) ** 0.5
                p.copy_(torch.empty(p.shape).uniform_(-2 * s, 2 * s, generator=g))


def make(out_dir, name, arch, cfg_overrides, dtype, seed, cases, config_patch=None):
    from transformers import FalconMambaConfig, FalconMambaForCausalLM, MambaConfig, MambaForCausalLM

    torch.manual_seed(seed)
    if arch == "falcon_mamba":
        cfg = FalconMambaConfig(**cfg_overrides)
        model = FalconMambaForCausalLM(cfg)
    else:
        cfg = MambaConfig(**cfg_overrides)
        model = MambaForCausalLM(cfg)
    model = model.float().eval()
    randomize(model, seed)
    round_weights(model, dtype)

    path = os.path.join(out_dir, name)
    os.makedirs(os.path.join(path, "golden"), exist_ok=True)
    model.to(dtype).save_pretrained(path, safe_serialization=True)
    model.float()
    if config_patch:  # real-world config quirks (e.g. the 7B's expand/intermediate mismatch)
        with open(os.path.join(path, "config.json")) as f:
            c = json.load(f)
        for k, v in config_patch.items():
            if v is None:
                c.pop(k, None)
            else:
                c[k] = v
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump(c, f, indent=2)

    g = torch.Generator().manual_seed(seed + 1)
    lines = []
    for case, n in cases:
        ids = torch.randint(0, cfg.vocab_size, (1, n), generator=g)
        with torch.no_grad():
            logits = model(ids, use_cache=False).logits[0].to(torch.float32).numpy()
        logits.astype("<f4").tofile(os.path.join(path, "golden", case + ".f32"))
        lines.append(case + " " + ",".join(str(int(i)) for i in ids[0]))
    with open(os.path.join(path, "golden", "ids.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "data", "models"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    # FalconMamba, BF16, untied head, time_step_rank "auto", and the 7B's quirks: `expand`
    # disagreeing with intermediate_size and no mixer_rms_eps (default 1e-6).
    make(a.out, "hf-falcon-mamba-bf16", "falcon_mamba",
         dict(vocab_size=512, hidden_size=48, intermediate_size=96, state_size=16,
              num_hidden_layers=3, conv_kernel=4, expand=2, time_step_rank="auto",
              tie_word_embeddings=False, use_bias=False, use_conv_bias=True, mixer_rms_eps=1e-6),
         torch.bfloat16, 11, [("short", 24), ("long", 700)],
         config_patch={"expand": 16, "mixer_rms_eps": None, "time_step_rank": "auto"})
    # Mamba, F32, tied head, with in_proj/out_proj biases.
    make(a.out, "hf-mamba-f32-bias", "mamba",
         dict(vocab_size=320, hidden_size=32, intermediate_size=64, state_size=8,
              num_hidden_layers=2, conv_kernel=3, expand=2, time_step_rank=5,
              tie_word_embeddings=True, use_bias=True, use_conv_bias=True),
         torch.float32, 12, [("short", 20), ("long", 300)])


if __name__ == "__main__":
    main()
