#!/usr/bin/env python3
"""Writes the goldens of tests/engine/test_quants.cpp: gguf-py's own (de)quantization of
random data for every block type Coil reads, so Coil's scalar reference is checked bit by
bit against it.

Usage: python tools/make_quant_goldens.py [--out tests/data/quants]
Needs (build-time only): gguf, numpy  (pip install gguf numpy)

For each TYPE in Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q4_K Q5_K Q6_K:
  TYPE.blocks        random blocks (random bytes, finite random f16 scales), raw
  TYPE.dequant.f32   gguf.quants.dequantize of them, little-endian float32
and for the types gguf-py can quantize (Q8_0 Q4_0 Q4_1 Q5_0 Q5_1):
  TYPE.input.f32     float32 values (random, plus edge cases: zeros, constants, ties, halves)
  TYPE.quant         gguf.quants.quantize of them, raw blocks
The data is seeded: running the script again gives identical files.
"""
import argparse
import os

import numpy as np
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as T
from gguf import quants

TYPES = ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"]
QUANTIZABLE = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"}
# Byte offsets of the f16 scale fields in each block (the layouts of coil/quants.hpp).
F16_FIELDS = {
    "Q8_0": [0], "Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2],
    "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208],
}


def random_f16(rng, n):
    """Finite f16 values of every kind: normal over many magnitudes, subnormal, zero, max."""
    kind = rng.integers(0, 10, n)
    mag = np.exp2(rng.uniform(-14, 15.9, n))
    v = np.where(kind < 7, mag * rng.choice([-1, 1], n), 0.0)
    v = np.where(kind == 7, rng.uniform(-6e-5, 6e-5, n), v)  # subnormal range
    v = np.where(kind == 8, rng.choice([-65504.0, 65504.0, 0.0, -0.0], n), v)
    v = np.where(kind == 9, rng.normal(0, 0.05, n), v)  # typical weight scales
    return v.astype(np.float16)


def random_blocks(rng, name, n_blocks):
    _, type_size = GGML_QUANT_SIZES[T[name]]
    blocks = rng.integers(0, 256, (n_blocks, type_size), dtype=np.uint8)
    for off in F16_FIELDS[name]:
        blocks[:, off:off + 2] = random_f16(rng, n_blocks).view(np.uint8).reshape(n_blocks, 2)
    return blocks


def quant_inputs(rng, block_size):
    """Rows of float32: random blocks at several scales and the edge cases."""
    rows = []
    for scale in [1e-3, 0.02, 1.0, 300.0]:
        rows.append(rng.normal(0, scale, (8, block_size)))
    rows.append(rng.uniform(-1, 1, (4, block_size)))
    rows.append(rng.uniform(0.5, 2.0, (2, block_size)))  # all positive
    rows.append(rng.uniform(-2.0, -0.5, (2, block_size)))  # all negative
    special = np.zeros((10, block_size))
    special[1, :] = 0.75  # constant
    special[2, :] = -3.0
    special[3, :] = 1e-30  # underflows the f16 scale
    special[4, 0], special[4, 1] = -3.0, 3.0  # |max| tie, negative first
    special[5, 0], special[5, 1] = 3.0, -3.0  # |max| tie, positive first
    special[6, :] = (np.arange(block_size) - block_size / 2) * 0.5  # halves: round ties
    special[6, 0] = 127.0
    special[7, :] = np.linspace(-1, 1, block_size)
    special[8, :] = 60000.0 * rng.uniform(-1, 1, block_size)  # near the f16 limit
    special[9, ::2] = 1e-6  # tiny with zeros
    rows.append(special)
    return np.concatenate(rows).astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "data", "quants"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20240612)
    for name in TYPES:
        qtype = T[name]
        block_size, _ = GGML_QUANT_SIZES[qtype]
        n_blocks = 48 if block_size == 32 else 12
        blocks = random_blocks(rng, name, n_blocks)
        deq = quants.dequantize(blocks, qtype).astype("<f4")
        assert deq.shape == (n_blocks, block_size)
        blocks.tofile(os.path.join(args.out, f"{name}.blocks"))
        deq.tofile(os.path.join(args.out, f"{name}.dequant.f32"))
        if name in QUANTIZABLE:
            x = quant_inputs(rng, block_size)
            with np.errstate(over="ignore", invalid="ignore"):
                q = quants.quantize(x, qtype)
            x.astype("<f4").tofile(os.path.join(args.out, f"{name}.input.f32"))
            np.ascontiguousarray(q).tofile(os.path.join(args.out, f"{name}.quant"))
        print(f"{name}: {n_blocks} random blocks" + (", quantize cases" if name in QUANTIZABLE else ""))


if __name__ == "__main__":
    main()
