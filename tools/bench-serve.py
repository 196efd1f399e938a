#!/usr/bin/env python3
"""A long conversation against `coil serve`, resending the whole history every turn as OpenAI
clients do, with the state cache on and then off. Per turn: prompt tokens, cached tokens and the
time to the first answer token (streamed, measured by the client). Standard library only.

  tools/bench-serve.py [--coil build/engine/coil] [--turns 30] [--max-tokens N] [--ignore-eos]
                       [--repeat R] [--json OUT] -- SERVE_ARGS...

SERVE_ARGS go to `coil serve` (e.g. `--model resources/models/coil-demo`, or `--synthetic
mamba-130m --tokenizer ../shared/fixtures/tokenizers/gpt-neox-20b/tokenizer.json`). The user
turns are the demo model's evaluation questions, in order. With --repeat R the cache-on and
cache-off conversations alternate R times each and every number is the median.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start(coil, serve_args, cache_on):
    cmd = [coil, "serve", "--port", "0", *serve_args]
    if not cache_on:
        cmd += ["--state-cache-mib", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        sys.exit(f"coil serve did not start: {line!r}")
    return proc, int(m.group(1))


def turn(port, messages, max_tokens, ignore_eos):
    """(answer, usage, seconds to the first content token) of one streamed request."""
    body = {"model": "m", "messages": messages, "temperature": 0, "max_tokens": max_tokens,
            "stream": True, "stream_options": {"include_usage": True}}
    if ignore_eos:
        body["ignore_eos"] = True
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        sys.exit(f"HTTP {resp.status}: {resp.read()[:300]!r}")
    text, usage, ttft = "", None, None
    for raw in resp:
        line = raw.decode("utf-8").strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[6:])
        if chunk.get("usage"):
            usage = chunk["usage"]
        for c in chunk.get("choices", []):
            piece = c["delta"].get("content") or ""
            if piece and ttft is None:
                ttft = time.perf_counter() - t0
            text += piece
    conn.close()
    return text, usage, ttft if ttft is not None else time.perf_counter() - t0


def conversation(coil, serve_args, cache_on, questions, max_tokens, ignore_eos):
    proc, port = start(coil, serve_args, cache_on)
    try:
        messages, rows = [], []
        for q in questions:
            messages.append({"role": "user", "content": q})
            text, usage, ttft = turn(port, messages, max_tokens, ignore_eos)
            messages.append({"role": "assistant", "content": text})
            rows.append({"prompt_tokens": usage["prompt_tokens"],
                         "cached_tokens": usage["prompt_tokens_details"]["cached_tokens"],
                         "completion_tokens": usage["completion_tokens"],
                         "ttft_ms": ttft * 1000, "text": text})
        return rows
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--coil", default=os.path.join(ROOT, "build", "engine", "coil"))
    ap.add_argument("--turns", type=int, default=30)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--ignore-eos", action="store_true", help="answers of exactly --max-tokens tokens")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", help="write the per-turn numbers here")
    ap.add_argument("serve_args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    serve_args = a.serve_args[1:] if a.serve_args[:1] == ["--"] else a.serve_args
    with open(os.path.join(ROOT, "resources", "models", "coil-demo", "eval.jsonl")) as f:
        pool = [json.loads(line)["messages"][0]["content"] for line in f if line.strip()]
    questions = [pool[i % len(pool)] for i in range(a.turns)]

    runs = {True: [], False: []}
    for _ in range(a.repeat):
        for on in (True, False):
            runs[on].append(conversation(a.coil, serve_args, on, questions, a.max_tokens, a.ignore_eos))
    med = {on: [{k: statistics.median(r[t][k] for r in runs[on]) for k in ("prompt_tokens", "cached_tokens", "ttft_ms")}
                for t in range(a.turns)] for on in runs}
    same = all(runs[True][0][t]["text"] == runs[False][0][t]["text"] for t in range(a.turns))

    print(f"coil serve {' '.join(serve_args)}: {a.turns} turns, max_tokens {a.max_tokens}, "
          f"repeat {a.repeat}, load average {os.getloadavg()[0]:.2f}")
    print(f"{'turn':>4} {'prompt':>7} {'cached':>7} {'TTFT on ms':>11} {'TTFT off ms':>12}")
    for t in range(a.turns):
        on, off = med[True][t], med[False][t]
        print(f"{t + 1:>4} {on['prompt_tokens']:>7.0f} {on['cached_tokens']:>7.0f} {on['ttft_ms']:>11.1f} "
              f"{off['ttft_ms']:>12.1f}")
    if a.turns >= 2:
        for on in (True, False):
            first, last = med[on][1]["ttft_ms"], med[on][-1]["ttft_ms"]
            print(f"cache {'on ' if on else 'off'}: TTFT turn {a.turns} / turn 2 = {last:.1f} / {first:.1f} ms"
                  f" = {last / first:.2f}x")
    print("greedy answers with the cache on and off: " + ("identical" if same else "DIFFERENT"))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"serve_args": serve_args, "turns": a.turns, "cache_on": med[True], "cache_off": med[False],
                       "identical_text": same}, f, indent=1)


if __name__ == "__main__":
    main()
