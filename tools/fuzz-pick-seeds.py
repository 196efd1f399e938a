#!/usr/bin/env python3
"""Adds to the committed seeds of tests/fuzz/corpus/<target>/ the few inputs of a long
campaign's corpus (tools/fuzz-campaign.sh) that reach the most code the seeds do not, so that
CI's short fuzz runs start further in (stopped, like the campaign, while the benchmark lock
/work/bench.lock is held). The committed seeds stay small: at most --max-files new
files and --max-kb in all per target.

How: libFuzzer's merge (-merge=1) runs the committed seeds first, then the campaign corpus
smallest first, and writes for each input the coverage edges no input before it reached (its
control file). The inputs with the most such edges are taken, largest gain first.

Usage: tools/fuzz-pick-seeds.py [--build build-asan] [--work build-asan/fuzz-campaign]
                                [--max-files 20] [--max-kb 150] [--lock FILE] [--dry-run]
                                [TARGET...]
"""
import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lock_held(lock):
    return subprocess.run(["flock", "-n", lock, "true"]).returncode != 0


def run_pausable(cmd, env, lock):
    """Runs cmd, stopped while someone holds the benchmark lock (as tools/fuzz-campaign.sh
    does; the merge survives the timeouts a stop can cause: it restarts past them)."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    paused, free_for = False, 0.0
    while proc.poll() is None:
        held = lock_held(lock)
        free_for = 0.0 if held else free_for + 0.5
        if held and not paused:
            os.killpg(proc.pid, signal.SIGSTOP)
            paused = True
        elif paused and free_for >= 5:
            os.killpg(proc.pid, signal.SIGCONT)
            paused = False
        time.sleep(0.5)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode})")


def pick(binary, seeds, corpus, max_files, max_bytes, lock):
    """[(path, new edges)] of `corpus` to add to `seeds`, their size with the seeds', and the
    edges the whole corpus adds to the seeds."""
    with tempfile.TemporaryDirectory() as tmp:
        first = os.path.join(tmp, "first")
        shutil.copytree(seeds, first)  # merge writes into the first folder: not the repo's
        control = os.path.join(tmp, "control")
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", QT_QPA_PLATFORM="offscreen")
        run_pausable(["nice", "-n", "19", binary, "-merge=1", "-rss_limit_mb=2048",
                      "-timeout=10", "-merge_control_file=" + control,
                      # an input a pause made slow is written here, not into the repository
                      "-artifact_prefix=" + tmp + "/", first, corpus], env, lock)
        lines = open(control).read().split("\n")
    n_files, n_first = int(lines[0]), int(lines[1])
    files = lines[2:2 + n_files]
    cov = {}
    for line in lines[2 + n_files:]:
        if line.startswith("COV "):
            parts = line.split()
            cov[int(parts[1])] = set(parts[2:])
    # A merge process lists only edges it has not seen; one restarted (after a crash, or a
    # timeout a pause caused) starts afresh, so the sets are made disjoint here: greedily,
    # each time the input adding the most edges to the seeds' and those already taken.
    covered = set().union(*(cov.get(i, set()) for i in range(n_first)))
    new = {i: cov[i] - covered for i in range(n_first, n_files) if cov.get(i, set()) - covered}
    reachable = len(set().union(*new.values())) if new else 0
    chosen, total = [], sum(os.path.getsize(os.path.join(seeds, f)) for f in os.listdir(seeds))
    while new and len(chosen) < max_files:
        best = max(new, key=lambda i: (len(new[i]), -os.path.getsize(files[i])))
        gain, size = new.pop(best), os.path.getsize(files[best])
        if not gain:
            break
        if total + size > max_bytes:
            continue
        chosen.append((files[best], len(gain)))
        total += size
        for i in new:
            new[i] -= gain
    return chosen, total, reachable


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build-asan")
    ap.add_argument("--work", default=None, help="the campaign folder (default BUILD/fuzz-campaign)")
    ap.add_argument("--max-files", type=int, default=20)
    ap.add_argument("--max-kb", type=int, default=150, help="the target's committed seeds in all")
    ap.add_argument("--lock", default="/work/bench.lock", help="the benchmark lock")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("targets", nargs="*")
    args = ap.parse_args()
    os.chdir(ROOT)
    work = args.work or os.path.join(args.build, "fuzz-campaign")
    targets = args.targets or sorted(os.listdir(os.path.join(work, "corpus")))
    for t in targets:
        binary = os.path.join(args.build, "tests", "fuzz", "fuzz_" + t)
        seeds = os.path.join("tests", "fuzz", "corpus", t)
        corpus = os.path.join(work, "corpus", t)
        if not (os.path.exists(binary) and os.path.isdir(corpus)):
            print(f"{t}: no binary or no campaign corpus", file=sys.stderr)
            continue
        chosen, total, reachable = pick(binary, seeds, corpus, args.max_files, args.max_kb * 1024,
                                        args.lock)
        print(f"{t}: {len(chosen)} new seeds, +{sum(g for _, g in chosen)} of the {reachable} edges "
              "the campaign corpus adds, "
              f"{total // 1024} KB committed in all")
        if args.dry_run:
            continue
        for path, _ in chosen:
            data = open(path, "rb").read()
            with open(os.path.join(seeds, hashlib.sha1(data).hexdigest()), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
