#!/usr/bin/env python3
"""Checks that Coil's libraries point one way (docs/ARCHITECTURE.md).

Usage: tools/check-library-graph.py BUILD_DIR [--print]

Asks CMake for the target graph of a configured build (cmake --graphviz) and fails when
  - a target of ours has no layer in LAYERS below (a new library must be placed),
  - an arrow ("links") goes from a lower layer to a higher one, or between two targets of
    one layer that are not parts of one Qt module,
  - the graph of our targets has a cycle,
  - a target of the engine's layers (coil_base up to coil_engine) links anything of Qt.
--print writes the graph of our libraries and programs as text (one line per target).
"""
import os
import re
import subprocess
import sys
import tempfile

# layer: lower layers never link higher ones. Qt's qt_add_qml_module adds targets named
# after the module's library (coil_app_resources_1, coil_appplugin...): they belong to it.
LAYERS = [
    (r"(test_|tst_|hub_|storage_|fuzz_).+|coil_(app_|hub_)?test_support|coil_fuzz_support", 9,
     "tests"),
    (r"coil_warnings", 0, "warnings"),  # a build setting (compiler flags), not code
    (r"coil_base", 1, "base"),
    (r"coil_cpu_ref", 2, "cpu_ref"),
    (r"coil_cpu", 2, "cpu"),
    (r"coil_cuda", 2, "cuda"),
    (r"coil_vulkan", 2, "vulkan"),
    (r"coil_registry", 3, "registry"),
    (r"coil_engine", 4, "engine"),
    (r"coil_json", 4.5, "app json"),  # the app's JSON from outside, behind the engine's limits
    (r"coil_hub", 5, "hub"),
    (r"coil_storage", 5, "storage"),
    # attachments read into text (Qt Gui, poppler); above hub, whose formatBytes it uses
    (r"coil_documents", 5.5, "documents"),
    (r"coil_server", 5, "server"),  # `coil serve`: engine-side, no Qt
    (r"coil_app(plugin)?(_.+)?", 6, "app"),
    (r"coil_ui(plugin)?(_.+)?", 7, "ui"),
    (r"coil", 8, "coil"),
    (r"coil-chat", 8, "coil-chat"),
    (r"coil-resume-bench", 8, "coil-resume-bench"),
    (r"coil-cpu-membench", 8, "coil-cpu-membench"),  # the CPU backend's streaming benchmark
    (r"coil-document-bench", 8, "coil-document-bench"),
    (r"coil-make-attachment-fixtures", 8, "coil-make-attachment-fixtures"),
]
ENGINE_LAYERS = 4  # coil_base .. coil_engine: no Qt, ever
NAMES = {1: "base", 2: "backends", 3: "registry", 4: "engine", 4.5: "app json", 5: "app libraries",
         5.5: "app documents",
         6: "app (Coil.Core)", 7: "ui (Coil)", 8: "programs", 9: "tests"}


def place(label):
    for pattern, layer, group in LAYERS:
        if re.fullmatch(pattern, label):
            return layer, group
    return None


def ours(label):
    return label.startswith("coil") or place(label) is not None


def read_graph(build_dir):
    with tempfile.TemporaryDirectory() as tmp:
        dot = os.path.join(tmp, "coil.dot")
        subprocess.run(["cmake", f"--graphviz={dot}", "."], cwd=build_dir, check=True,
                       stdout=subprocess.DEVNULL)
        text = open(dot, encoding="utf-8").read()
    labels = dict(re.findall(r'^\s*"(node\d+)" \[ label = "([^"]*)"', text, re.M))
    edges = set()
    for a, b in re.findall(r'^\s*"(node\d+)" -> "(node\d+)"', text, re.M):
        if a != b:  # CMake draws an executable's AUTOMOC step as an arrow to itself
            edges.add((labels[a], labels[b]))
    return set(labels.values()), edges


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    nodes, edges = read_graph(argv[1])
    errors = []
    for n in sorted(nodes):
        if ours(n) and place(n) is None:
            errors.append(f"{n}: no layer (add it to LAYERS in {sys.argv[0]})")
    for a, b in sorted(edges):
        pa = place(a)
        if pa is None:
            continue
        pb = place(b)
        if pb is None:  # an outside library
            if pa[0] <= ENGINE_LAYERS and re.match(r"(Qt|WrapOpenGL|WrapVulkan)", b):
                errors.append(f"{a} -> {b}: the engine's layers never use Qt")
            continue
        if pa[0] < pb[0]:
            errors.append(f"{a} -> {b}: an upward arrow ({NAMES.get(pa[0], pa[0])} -> "
                          f"{NAMES.get(pb[0], pb[0])})")
        elif pa[0] == pb[0] and pa[1] != pb[1] and pa[1] != "tests":
            errors.append(f"{a} -> {b}: two targets of one layer ({NAMES.get(pa[0])})")
    # cycles among our targets
    graph = {}
    for a, b in edges:
        if place(a) and place(b):
            graph.setdefault(a, set()).add(b)
    state = {}

    def visit(n, path):
        state[n] = 1
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                errors.append("cycle: " + " -> ".join(path[path.index(m):] + [m]))
            elif m not in state:
                visit(m, path + [m])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    if "--print" in argv:
        for n in sorted((n for n in nodes if place(n) and place(n)[1] != "tests"),
                        key=lambda n: (place(n)[0], n)):
            deps = sorted(b for b in graph.get(n, ()) if place(b)[1] not in ("warnings",))
            print(f"{NAMES.get(place(n)[0], 'build'):16} {n:22} -> {', '.join(deps) or '-'}")
        sys.stdout.flush()
    if errors:
        for e in errors:
            print("library graph: " + e, file=sys.stderr)
        return 1
    print(f"library graph: {sum(1 for n in nodes if place(n))} targets of ours, one way, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
