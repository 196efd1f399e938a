#!/usr/bin/env python3
"""Makes the goldens of tests/engine/test_gguf_accuracy.cpp: what a quantized GGUF file
means, computed without Coil's engine. Each checkpoint is converted by Coil's own
`coil quantize` to every supported type; gguf-py's GGUFReader reads the file back and
gguf.quants dequantizes every tensor; transformers (FalconMambaForCausalLM /
MambaForCausalLM, float32) runs those weights; its logits are the golden.

Usage: python tools/make_gguf_goldens.py --coil build/cli/coil [--out tests/data/gguf]
Needs (build-time only): torch, transformers, gguf, numpy

Writes into --out:
  SOURCE.TYPE.gguf   the file `coil quantize` wrote (the test checks that coil quantize
                     still writes exactly these bytes, then runs them)
  SOURCE.TYPE.f32    logits [n_ids, vocab], little-endian float32
  cases.json         per case: source, type, ids, and what gguf-py read (every tensor's
                     name, type, shape; the metadata keys and their types); and what gguf-py
                     reads in the demo model quantized to Q8_0, a whole model in one file
                     (tokenizer arrays, chat template, special ids: values too)
and the checkpoint tests/data/models/falcon-k256 (random weights, rows of 256 values, so
that the K types apply; the tiny fixtures' rows are 32 values, where they fall back).
"""
import argparse
import json
import os
import subprocess

import numpy as np
import torch
from gguf import GGUFReader, GGUFValueType
from gguf import quants

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "tests", "data", "models")
DEMO = os.path.join(HERE, "..", "resources", "models", "coil-demo")
TYPES = ["q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q5_k", "q6_k"]
N_IDS = 24


def make_k256(path):
    """A FalconMamba of random weights whose matrices have rows of 256 values."""
    from transformers import FalconMambaConfig, FalconMambaForCausalLM
    if os.path.exists(os.path.join(path, "model.safetensors")):
        return
    torch.manual_seed(256)
    cfg = FalconMambaConfig(vocab_size=256, hidden_size=256, intermediate_size=256, state_size=16,
                            num_hidden_layers=2, conv_kernel=4, expand=1, time_step_rank=16,
                            tie_word_embeddings=False, use_bias=False, use_conv_bias=True,
                            mixer_rms_eps=1e-6)
    model = FalconMambaForCausalLM(cfg).float()
    g = torch.Generator().manual_seed(257)
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
    model.to(torch.bfloat16).save_pretrained(path, safe_serialization=True)
    print("wrote", path)


def field_value(f):
    v = f.contents()
    return v


def read_gguf(path):
    """(config kwargs, arch, state dict of float32 tensors, reader summary) of a GGUF file."""
    r = GGUFReader(path)
    kv = {name: f for name, f in r.fields.items() if not name.startswith("GGUF.")}
    get = lambda k: field_value(kv[k])
    tensors = {}
    summary = {"tensors": [], "kv": {}}
    for name, f in kv.items():
        types = [GGUFValueType(t).name for t in f.types]
        summary["kv"][name] = types
    for t in r.tensors:
        ne = [int(x) for x in t.shape]
        shape = list(reversed(ne))
        data = quants.dequantize(t.data, t.tensor_type)
        tensors[t.name] = torch.from_numpy(np.asarray(data, dtype=np.float32).reshape(shape).copy())
        summary["tensors"].append([t.name, t.tensor_type.name, ne])
    falcon = bool(get("mamba.ssm.dt_b_c_rms")) if "mamba.ssm.dt_b_c_rms" in kv else False
    cfg = dict(
        vocab_size=tensors["token_embd.weight"].shape[0],
        hidden_size=int(get("mamba.embedding_length")),
        intermediate_size=int(get("mamba.ssm.inner_size")),
        state_size=int(get("mamba.ssm.state_size")),
        num_hidden_layers=int(get("mamba.block_count")),
        conv_kernel=int(get("mamba.ssm.conv_kernel")),
        time_step_rank=int(get("mamba.ssm.time_step_rank")),
        layer_norm_epsilon=float(get("mamba.attention.layer_norm_rms_epsilon")),
        tie_word_embeddings="output.weight" not in tensors,
        use_bias="blk.0.ssm_in.bias" in tensors,
        use_conv_bias="blk.0.ssm_conv1d.bias" in tensors,
    )
    if falcon:
        cfg["mixer_rms_eps"] = 1e-6  # GGUF does not carry it: transformers' default
    sd = {}
    for name, w in tensors.items():
        if name == "token_embd.weight":
            sd["backbone.embeddings.weight"] = w
        elif name == "output_norm.weight":
            sd["backbone.norm_f.weight"] = w
        elif name == "output.weight":
            sd["lm_head.weight"] = w
        else:
            _, i, rest = name.split(".", 2)
            p = f"backbone.layers.{i}."
            if rest == "attn_norm.weight":
                sd[p + "norm.weight"] = w
            elif rest == "ssm_a":
                sd[p + "mixer.A_log"] = torch.log(-w.double()).float()
            elif rest == "ssm_d":
                sd[p + "mixer.D"] = w
            elif rest.startswith("ssm_conv1d."):
                sd[p + "mixer.conv1d." + rest.split(".")[1]] = w.unsqueeze(1) if w.dim() == 2 else w
            else:
                hf = {"ssm_in": "in_proj", "ssm_x": "x_proj", "ssm_dt": "dt_proj", "ssm_out": "out_proj"}
                base, kind = rest.split(".")
                sd[p + "mixer." + hf[base] + "." + kind] = w
    if cfg["tie_word_embeddings"]:
        sd["lm_head.weight"] = sd["backbone.embeddings.weight"]
    return cfg, falcon, sd, summary


def whole_file_summary(path):
    """What gguf-py reads in a GGUF: each key's types and value (arrays: length and first
    three elements), each tensor's name, type and shape."""
    r = GGUFReader(path)
    kv = {}
    for name, f in r.fields.items():
        if name.startswith("GGUF."):
            continue
        types = [GGUFValueType(t).name for t in f.types]
        v = f.contents()
        if isinstance(v, list):
            v = {"length": len(v), "first": v[:3]}
        kv[name] = {"types": types, "value": v}
    tensors = [[t.name, t.tensor_type.name, [int(x) for x in t.shape]] for t in r.tensors]
    return {"kv": kv, "tensors": tensors}


def reference_logits(cfg, falcon, sd, ids):
    from transformers import FalconMambaConfig, FalconMambaForCausalLM, MambaConfig, MambaForCausalLM
    if falcon:
        model = FalconMambaForCausalLM(FalconMambaConfig(**cfg))
    else:
        model = MambaForCausalLM(MambaConfig(**cfg))
    model = model.float().eval()
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert not unexpected, unexpected
    assert all(m == "lm_head.weight" for m in missing), missing
    with torch.no_grad():
        return model(torch.tensor([ids]), use_cache=False).logits[0].float().numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--coil", required=True, help="the coil binary")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "tests", "data", "gguf"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    make_k256(os.path.join(MODELS, "falcon-k256"))
    plan = [("falcon-tiny-f32", TYPES), ("mamba-tiny-f16", TYPES),
            ("falcon-k256", ["q4_k", "q5_k", "q6_k"])]
    cases = []
    rng = np.random.default_rng(24)
    for source, types in plan:
        for t in types:
            gguf = os.path.join(a.out, f"{source}.{t}.gguf")
            subprocess.run([a.coil, "quantize", "--model", os.path.join(MODELS, source), "--type", t,
                            "--out", gguf, "--threads", "1"], check=True, capture_output=True)
            cfg, falcon, sd, summary = read_gguf(gguf)
            ids = [int(i) for i in rng.integers(0, cfg["vocab_size"], N_IDS)]
            logits = reference_logits(cfg, falcon, sd, ids)
            logits.astype("<f4").tofile(os.path.join(a.out, f"{source}.{t}.f32"))
            cases.append({"source": source, "type": t, "ids": ids, "gguf_py": summary})
            print(source, t, "->", os.path.getsize(gguf), "bytes")
    # a whole model in one file: the demo model with its tokenizer.json and chat template
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        gguf = os.path.join(tmp, "demo.gguf")
        subprocess.run([a.coil, "quantize", "--model", DEMO, "--type", "q8_0", "--out", gguf,
                        "--threads", "1"], check=True, capture_output=True)
        demo = whole_file_summary(gguf)
    with open(os.path.join(a.out, "cases.json"), "w") as f:
        json.dump({"cases": cases, "demo_q8_0": demo}, f, indent=1)


if __name__ == "__main__":
    main()
