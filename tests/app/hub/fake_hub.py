#!/usr/bin/env python3
"""A local stand-in for the Hugging Face Hub, for Coil's hub tests. Python 3 stdlib only.

It speaks the real protocol:
  GET  /api/models?search=&author=&filter=&sort=&direction=-1&limit=&full=&config=&cursor=
       (pagination with an RFC 8288 `Link: <...>; rel="next"` header)
  GET  /api/models/{id}  and  /api/models/{id}/revision/{rev}
  GET  /api/models/{id}/tree/{rev}[/{path}]?recursive=true   (Link-paginated too)
  HEAD/GET /{id}/resolve/{rev}/{file}
       regular files: 200 with ETag (git blob sha1), X-Repo-Commit, Content-Length, Range/206
       LFS files: 302 to the "CDN" (a second port, i.e. another origin) with X-Repo-Commit,
       X-Linked-Etag (sha256), X-Linked-Size, ETag; the CDN serves the bytes with Range/206 and,
       like a presigned S3 URL, refuses requests that carry an Authorization header.
  Errors carry X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) and
  X-Error-Message.

Test controls (on the hub port):
  POST /_test/knobs   JSON merged into the knobs:
      {"drop_after": {"file": nbytes}}   once: close the connection after nbytes of the body
      {"hold_after": {"file": nbytes}}   once: stop after nbytes until /_test/release
      {"corrupt": ["file", ...]}         serve those files with flipped bytes (same size)
      {"fail_status": {"file": [503]}}   answer resolve requests of file with these first
                                         ("api:ORG/NAME" for its /api/models/... requests,
                                         "search" for the searches)
      {"tree_page_size": n}              entries per tree page
      {"search_page_size": n}            at most n models per search page (the Hub's cap)
      {"missing_repos": ["ORG/NAME"]}    those repos do not exist (RepoNotFound, not searched)
  POST /_test/reset   clear knobs and the request log
  POST /_test/release let held transfers continue
  GET  /_test/log     the requests so far: [{server, method, path, query, range, auth, status}]
  GET  /_test/state   {"held": n} transfers currently held

Usage: fake_hub.py [--repo ORG/NAME=DIR]...  Prints the hub's port as the first line.
"""
import argparse
import base64
import hashlib
import json
import os
import random
import socket
import struct
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "hf_coil_test_token"
LFS_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".h5")
LFS_MIN_SIZE = 1 << 20


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def random_bytes(seed, n):
    return random.Random(seed).randbytes(n)


class File:
    def __init__(self, path, data=b"", declared_size=None):
        self.path = path
        self.data = data
        self.size = len(data) if declared_size is None else declared_size
        self.lfs = path.endswith(LFS_SUFFIXES) or self.size >= LFS_MIN_SIZE
        if declared_size is None:
            self.sha256 = hashlib.sha256(data).hexdigest()
        else:  # content never served: the size alone matters
            self.sha256 = hashlib.sha256(("virtual:" + path).encode()).hexdigest()
        pointer = ("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n"
                   % (self.sha256, self.size)).encode()
        self.pointer_size = len(pointer)
        self.blob_id = git_blob_sha1(pointer if self.lfs else data)


def safetensors_parameters(data):
    try:
        n = struct.unpack("<Q", data[:8])[0]
        header = json.loads(data[8:8 + n])
    except Exception:
        return None
    params = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        count = 1
        for d in t["shape"]:
            count *= d
        params[t["dtype"]] = params.get(t["dtype"], 0) + count
    return params


class Repo:
    def __init__(self, repo_id, files, gated=False, downloads=0, likes=0,
                 last_modified="2024-01-01T00:00:00.000Z"):
        self.id = repo_id
        self.files = {f.path: f for f in files}
        self.gated = gated
        self.downloads = downloads
        self.likes = likes
        self.last_modified = last_modified
        h = hashlib.sha1(repo_id.encode())
        for p in sorted(self.files):
            h.update(p.encode() + self.files[p].sha256.encode())
        self.commit = h.hexdigest()
        self.branches = {"main": self.commit}
        self.config = {}
        if "config.json" in self.files:
            try:
                self.config = json.loads(self.files["config.json"].data)
            except ValueError:
                self.config = {}

    def commit_of(self, rev):
        if rev in self.branches:
            return self.branches[rev]
        if rev == self.commit:
            return rev
        return None

    def tags(self):
        tags = []
        if self.config:
            tags.append("transformers")
        if any(p.endswith(".safetensors") for p in self.files):
            tags.append("safetensors")
        if any(p.endswith(".gguf") for p in self.files):
            tags.append("gguf")
        if self.config.get("model_type"):
            tags.append(self.config["model_type"])
        tags.append("text-generation")
        return tags

    def summary(self, full, with_config):
        out = {
            "_id": self.commit[:24], "id": self.id, "modelId": self.id,
            "likes": self.likes, "downloads": self.downloads, "trendingScore": 0,
            "private": False, "tags": self.tags(), "pipeline_tag": "text-generation",
            "library_name": "transformers" if self.config else None,
            "createdAt": "2023-12-01T00:00:00.000Z",
        }
        if full:
            out.update({
                "lastModified": self.last_modified, "gated": self.gated, "disabled": False,
                "sha": self.commit,
                "siblings": [{"rfilename": p} for p in sorted(self.files)],
            })
        if with_config and self.config:
            out["config"] = {k: self.config[k] for k in ("architectures", "model_type")
                             if k in self.config}
        return out

    def info(self):
        out = self.summary(True, True)
        out.update({"author": self.id.split("/")[0], "cardData": {}, "usedStorage":
                    sum(f.size for f in self.files.values())})
        params = {}
        for f in self.files.values():
            if f.path.endswith(".safetensors") and f.data:
                for k, v in (safetensors_parameters(f.data) or {}).items():
                    params[k] = params.get(k, 0) + v
        if params:
            out["safetensors"] = {"parameters": params, "total": sum(params.values())}
        return out


def mamba_config(model_type, **extra):
    c = {"architectures": ["FalconMambaForCausalLM" if model_type == "falcon_mamba"
                           else "MambaForCausalLM"],
         "model_type": model_type, "vocab_size": 256, "hidden_size": 32,
         "intermediate_size": 64, "state_size": 16, "num_hidden_layers": 2,
         "conv_kernel": 4, "time_step_rank": "auto", "tie_word_embeddings": True,
         "torch_dtype": "float32"}
    c.update(extra)
    return json.dumps(c, indent=2).encode()


def builtin_repos():
    repos = [
        Repo("coil-test/tiny-mamba", [
            File("config.json", mamba_config("mamba")),
            File("tokenizer.json", json.dumps({"version": "1.0", "model": {"vocab": {}}}).encode()),
            File("README.md", b"# tiny mamba\nRandom bytes for download tests.\n"),
            File("extra/notes/info.txt", b"nested file\n"),
            File("model.safetensors", random_bytes(1, 300_000)),
        ], downloads=50, likes=3, last_modified="2024-05-01T00:00:00.000Z"),
        Repo("coil-test/gated-mamba", [
            File("config.json", mamba_config("falcon_mamba")),
            File("model.safetensors", random_bytes(2, 200_000)),
        ], gated="manual", downloads=20, likes=9, last_modified="2024-06-01T00:00:00.000Z"),
        Repo("coil-test/huge-mamba", [
            File("config.json", mamba_config("mamba")),
            File("model.safetensors", declared_size=1 << 50),
        ], downloads=1, likes=0),
        Repo("coil-test/big-mamba", [
            File("config.json", mamba_config("mamba")),
            File("model.safetensors", random_bytes(3, 1_500_000)),
        ], downloads=2, likes=0),
        # Search-only entries, shaped like the real ones.
        Repo("tiiuae/falcon-mamba-7b-instruct", [
            File("config.json", mamba_config("falcon_mamba", hidden_size=4096,
                                             intermediate_size=8192, num_hidden_layers=64,
                                             vocab_size=65024, torch_dtype="bfloat16",
                                             tie_word_embeddings=False)),
            File("model.safetensors.index.json", b"{}"),
            File("model-00001-of-00002.safetensors", b"x"),
            File("model-00002-of-00002.safetensors", b"y"),
            File("tokenizer.json", b"{}"),
        ], downloads=90_000, likes=600, last_modified="2024-10-01T00:00:00.000Z"),
        Repo("tiiuae/falcon-mamba-7b", [
            File("config.json", mamba_config("falcon_mamba")),
            File("model.safetensors", b"x"),
        ], downloads=40_000, likes=700, last_modified="2024-08-01T00:00:00.000Z"),
        Repo("state-spaces/mamba-130m-hf", [
            File("config.json", mamba_config("mamba")),
            File("model.safetensors", b"x"),
        ], downloads=70_000, likes=40, last_modified="2024-03-01T00:00:00.000Z"),
        Repo("state-spaces/mamba-130m", [
            File("config.json", json.dumps({"d_model": 768, "n_layer": 24}).encode()),
            File("pytorch_model.bin", b"x"),
        ], downloads=60_000, likes=50, last_modified="2023-12-01T00:00:00.000Z"),
        Repo("state-spaces/mamba2-130m", [
            File("config.json", mamba_config("mamba2")),
            File("pytorch_model.bin", b"x"),
        ], downloads=30_000, likes=20, last_modified="2024-07-01T00:00:00.000Z"),
        Repo("meta-llama/Llama-2-7b-hf", [
            File("config.json", json.dumps({"model_type": "llama",
                                            "architectures": ["LlamaForCausalLM"]}).encode()),
            File("model.safetensors", b"x"),
        ], gated="manual", downloads=900_000, likes=2000, last_modified="2024-04-01T00:00:00.000Z"),
        Repo("someone/falcon-mamba-7b-GGUF", [
            File("falcon-mamba-7b.Q4_K_M.gguf", b"x"),
        ], downloads=5_000, likes=10, last_modified="2024-09-01T00:00:00.000Z"),
    ]
    return repos


GGUF_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "gguf")


def gguf_file(name, fixture):
    """A real GGUF file of tests/data/gguf (random-weight falcon-mamba, architecture mamba)."""
    with open(os.path.join(GGUF_DIR, fixture), "rb") as f:
        return File(name, f.read())


def gguf_header(architecture, size):
    """The first bytes of a GGUF v3 file of `architecture` whose tensors are never served."""
    def string(s):
        b = s.encode()
        return struct.pack("<Q", len(b)) + b
    body = struct.pack("<IIQQ", 0x46554747, 3, 0, 2)
    body += string("general.architecture") + struct.pack("<I", 8) + string(architecture)
    body += string("general.file_type") + struct.pack("<II", 4, 15)
    return body + b"\0" * (size - len(body))


def gguf_repos():
    return [
        # a GGUF repo Coil runs: real (tiny) files in three quant types, grouped by the page
        Repo("coil-test/falcon-mamba-small-GGUF", [
            gguf_file("falcon-mamba-small.Q8_0.gguf", "falcon-tiny-f32.q8_0.gguf"),
            gguf_file("falcon-mamba-small.Q4_K_M.gguf", "falcon-tiny-f32.q4_k.gguf"),
            gguf_file("falcon-mamba-small.Q4_0.gguf", "falcon-tiny-f32.q4_0.gguf"),
            File("README.md", b"# small falcon-mamba GGUF\n"),
        ], downloads=30, likes=2, last_modified="2024-09-02T00:00:00.000Z"),
        # a GGUF repo of another architecture: its header says llama
        Repo("coil-test/llama-not-mamba-GGUF", [
            File("llama-not-mamba.Q4_K_M.gguf", gguf_header("llama", 4096)),
        ], downloads=3, likes=0),
        # the curated model's single-file GGUF repos (sizes as published; only their
        # headers are served)
        Repo("tiiuae/falcon-mamba-7b-instruct-Q8_0-GGUF", [
            File("falcon-mamba-7b-instruct-q8_0.gguf", gguf_header("mamba", 4096),
                 declared_size=7_800_000_000),
        ], downloads=900, likes=5),
        Repo("tiiuae/falcon-mamba-7b-instruct-Q4_K_M-GGUF", [
            File("falcon-mamba-7b-instruct-q4_k_m.gguf", gguf_header("mamba", 4096),
                 declared_size=4_200_000_000),
        ], downloads=1200, likes=8),
    ]


def repo_from_dir(repo_id, directory):
    files = []
    for root, _, names in os.walk(directory):
        for name in sorted(names):
            full = os.path.join(root, name)
            rel = os.path.relpath(full, directory).replace(os.sep, "/")
            with open(full, "rb") as f:
                files.append(File(rel, f.read()))
    return Repo(repo_id, files, downloads=10, likes=1)


class State:
    def __init__(self, repos):
        self.repos = {r.id: r for r in repos}
        self.by_sha256 = {}
        for r in repos:
            for f in r.files.values():
                self.by_sha256[f.sha256] = f
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.held = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.knobs = {"drop_after": {}, "hold_after": {}, "corrupt": [], "fail_status": {},
                          "tree_page_size": 1000, "missing_repos": []}
            self.log = []
            self.release.set()  # free anything still held from an earlier test

    def merge_knobs(self, update):
        with self.lock:
            for key, value in update.items():
                if isinstance(value, dict):
                    self.knobs.setdefault(key, {}).update(value)
                elif isinstance(value, list):
                    self.knobs.setdefault(key, []).extend(value)
                else:
                    self.knobs[key] = value
            if update.get("hold_after"):
                self.release.clear()

    def repo(self, repo_id):
        """The repo of that id, None when there is none (or the missing_repos knob hides it)."""
        with self.lock:
            if repo_id in self.knobs["missing_repos"]:
                return None
        return self.repos.get(repo_id)

    def take_once(self, knob, path):
        with self.lock:
            return self.knobs[knob].pop(path, None)

    def take_status(self, path):
        with self.lock:
            statuses = self.knobs["fail_status"].get(path)
            if statuses:
                return statuses.pop(0)
        return None


STATE = None
CDN_PORT = 0


def truthy(v):
    return str(v).lower() in ("1", "true", "yes")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-hub/1.0"

    def log_message(self, fmt, *args):  # quiet
        pass

    # --- plumbing ---------------------------------------------------------------------------
    def setup(self):
        super().setup()
        self.is_cdn = self.server.is_cdn

    def send_response(self, code, message=None):
        if getattr(self, "entry", None) is not None:
            self.entry["status"] = code
        super().send_response(code, message)

    def begin(self, method):
        url = urllib.parse.urlsplit(self.path)
        self.url_path = url.path
        self.params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        self.entry = None
        if not url.path.startswith("/_test/"):
            self.entry = {"server": "cdn" if self.is_cdn else "hub", "method": method,
                          "path": urllib.parse.unquote(url.path), "query": url.query,
                          "range": self.headers.get("Range"),
                          "auth": self.headers.get("Authorization") is not None,
                          "status": 0}
            with STATE.lock:
                STATE.log.append(self.entry)

    def token(self):
        auth = self.headers.get("Authorization", "")
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else None

    def reply(self, code, body=b"", headers=None, head=False, content_type="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def json_reply(self, obj, headers=None, head=False):
        self.reply(200, json.dumps(obj).encode(), headers, head)

    def error(self, code, error_code, message, head=False):
        headers = {"X-Error-Message": message}
        if error_code:
            headers["X-Error-Code"] = error_code
        self.reply(code, json.dumps({"error": message}).encode(), headers, head)

    def base_url(self):
        return "http://" + self.headers.get("Host", "127.0.0.1")

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    # --- dispatch ---------------------------------------------------------------------------
    def do_HEAD(self):
        self.handle_request("HEAD")

    def do_GET(self):
        self.handle_request("GET")

    def do_POST(self):
        self.begin("POST")
        body = self.read_body()
        if self.url_path == "/_test/knobs":
            STATE.merge_knobs(json.loads(body or b"{}"))
        elif self.url_path == "/_test/reset":
            STATE.reset()
        elif self.url_path == "/_test/release":
            STATE.release.set()
        else:
            return self.error(404, None, "Not found")
        self.json_reply({"ok": True})

    def handle_request(self, method):
        self.begin(method)
        head = method == "HEAD"
        try:
            if self.is_cdn:
                return self.cdn(head)
            p = self.url_path
            if p == "/_test/log":
                with STATE.lock:
                    return self.json_reply(list(STATE.log))
            if p == "/_test/state":
                return self.json_reply({"held": STATE.held})
            if p == "/api/models":
                return self.search(head)
            if p.startswith("/api/models/"):
                return self.api_model(p[len("/api/models/"):], head)
            parts = p.strip("/").split("/")
            for i in (1, 2):
                if len(parts) > i + 1 and parts[i] == "resolve":
                    return self.resolve("/".join(parts[:i]), urllib.parse.unquote(parts[i + 1]),
                                        urllib.parse.unquote("/".join(parts[i + 2:])), head)
            return self.error(404, None, "Not found", head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # --- API --------------------------------------------------------------------------------
    def search(self, head):
        status = STATE.take_status("search")
        if status:
            return self.error(status, None, "The search failed (test knob)", head)
        q = self.params
        text = (q.get("search", [""])[0]).lower()
        author = q.get("author", [""])[0]
        filters = q.get("filter", [])
        sort = q.get("sort", [""])[0]
        descending = q.get("direction", [""])[0] == "-1"
        # the Hub caps `limit` (at 1000); the search_page_size knob lowers the cap so that a
        # test sees several pages without hundreds of repos
        cap = int(STATE.knobs.get("search_page_size") or 1000)
        limit = min(int(q.get("limit", ["1000"])[0] or 1000), cap)
        full = truthy(q.get("full", ["false"])[0])
        with_config = truthy(q.get("config", ["false"])[0])
        offset = 0
        if "cursor" in q:
            offset = json.loads(base64.urlsafe_b64decode(q["cursor"][0]))["offset"]
        repos = [r for r in STATE.repos.values()
                 if STATE.repo(r.id) is not None and text in r.id.lower()
                 and (not author or r.id.startswith(author + "/"))
                 and all(f in r.tags() for f in filters)]
        keys = {"downloads": lambda r: r.downloads, "likes": lambda r: r.likes,
                "lastModified": lambda r: r.last_modified}
        repos.sort(key=lambda r: r.id)
        if sort in keys:
            repos.sort(key=keys[sort], reverse=descending)
        page = repos[offset:offset + limit]
        headers = {}
        if offset + limit < len(repos):
            params = [(k, v) for k, vs in q.items() if k != "cursor" for v in vs]
            cursor = base64.urlsafe_b64encode(json.dumps({"offset": offset + limit}).encode())
            params.append(("cursor", cursor.decode()))
            headers["Link"] = '<%s/api/models?%s>; rel="next"' % (
                self.base_url(), urllib.parse.urlencode(params))
        self.json_reply([r.summary(full, with_config) for r in page], headers, head)

    def find_repo(self, parts):
        """Splits /api/models/ORG/NAME/rest into (repo, rest) or (None, ...)."""
        for n in (2, 1):
            rid = "/".join(parts[:n])
            if STATE.repo(rid) is not None:
                return STATE.repos[rid], parts[n:]
        return None, parts

    def repo_not_found(self, head):
        # Like the Hub: 401 for anonymous requests (it may be private), 404 with a token.
        self.error(404 if self.token() else 401, "RepoNotFound", "Repository not found", head)

    def api_model(self, rest, head):
        parts = rest.split("/")
        repo, tail = self.find_repo(parts)
        if repo is None:
            return self.repo_not_found(head)
        status = STATE.take_status("api:" + repo.id)
        if status:
            return self.error(status, None, "Injected failure", head)
        if not tail:
            return self.json_reply(repo.info(), head=head)
        if tail[0] == "revision" and len(tail) >= 2:
            rev = urllib.parse.unquote("/".join(tail[1:]))
            commit = repo.commit_of(rev)
            if commit is None:
                return self.error(404, "RevisionNotFound", "Invalid rev id: " + rev, head)
            return self.json_reply(repo.info(), head=head)
        if tail[0] == "tree" and len(tail) >= 2:
            rev = urllib.parse.unquote(tail[1])
            if repo.commit_of(rev) is None:
                return self.error(404, "RevisionNotFound", "Invalid rev id: " + rev, head)
            return self.tree(repo, urllib.parse.unquote("/".join(tail[2:])), head)
        return self.error(404, None, "Not found", head)

    def tree(self, repo, sub, head):
        recursive = truthy(self.params.get("recursive", ["false"])[0])
        prefix = sub.strip("/") + "/" if sub.strip("/") else ""
        entries, dirs = [], set()
        for path in sorted(repo.files):
            if not path.startswith(prefix):
                continue
            rel = path[len(prefix):]
            pieces = rel.split("/")
            for i in range(1, len(pieces)):
                d = prefix + "/".join(pieces[:i])
                if d not in dirs and (recursive or i == 1):
                    dirs.add(d)
                    entries.append({"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(),
                                    "size": 0, "path": d})
            if len(pieces) > 1 and not recursive:
                continue
            f = repo.files[path]
            e = {"type": "file", "oid": f.blob_id, "size": f.size, "path": path}
            if f.lfs:
                e["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": f.pointer_size}
            entries.append(e)
        if prefix and not entries:
            return self.error(404, "EntryNotFound", "Entry not found", head)
        size = int(STATE.knobs.get("tree_page_size") or 1000)
        offset = 0
        if "cursor" in self.params:
            offset = json.loads(base64.urlsafe_b64decode(self.params["cursor"][0]))["offset"]
        headers = {}
        if offset + size < len(entries):
            params = [(k, v) for k, vs in self.params.items() if k != "cursor" for v in vs]
            cursor = base64.urlsafe_b64encode(json.dumps({"offset": offset + size}).encode())
            params.append(("cursor", cursor.decode()))
            headers["Link"] = '<%s%s?%s>; rel="next"' % (
                self.base_url(), urllib.parse.quote(self.url_path), urllib.parse.urlencode(params))
        self.json_reply(entries[offset:offset + size], headers, head)

    # --- files ------------------------------------------------------------------------------
    def resolve(self, repo_id, rev, path, head):
        repo = STATE.repo(repo_id)
        if repo is None:
            return self.repo_not_found(head)
        if repo.gated:
            token = self.token()
            if token is None:
                return self.error(401, "GatedRepo",
                                  "Access to model %s is restricted. You must have access to it "
                                  "and be authenticated to access it. Please log in." % repo_id, head)
            if token != TOKEN:
                return self.error(403, "GatedRepo",
                                  "Access to model %s is restricted and you are not in the "
                                  "authorized list. Visit https://huggingface.co/%s to ask for "
                                  "access." % (repo_id, repo_id), head)
        commit = repo.commit_of(rev)
        if commit is None:
            return self.error(404, "RevisionNotFound", "Invalid rev id: " + rev, head)
        f = repo.files.get(path)
        if f is None:
            return self.error(404, "EntryNotFound", "Entry not found", head)
        status = STATE.take_status(path)
        if status:
            return self.error(status, None, "Injected failure", head)
        if f.lfs:
            location = "http://127.0.0.1:%d/cdn/%s?X-Amz-Signature=%s&name=%s" % (
                CDN_PORT, f.sha256, commit[:16], urllib.parse.quote(path))
            return self.reply(302, b"", {
                "Location": location, "X-Repo-Commit": commit,
                "X-Linked-Etag": '"%s"' % f.sha256, "X-Linked-Size": str(f.size),
                "ETag": '"%s"' % f.blob_id}, head)
        return self.serve(f, head, {"X-Repo-Commit": commit, "ETag": '"%s"' % f.blob_id})

    def cdn(self, head):
        if self.headers.get("Authorization") is not None:
            body = (b"<?xml version=\"1.0\"?><Error><Code>InvalidArgument</Code><Message>Only one "
                    b"auth mechanism allowed</Message></Error>")
            return self.reply(400, body, None, head, "application/xml")
        parts = self.url_path.strip("/").split("/")
        f = STATE.by_sha256.get(parts[1]) if len(parts) == 2 and parts[0] == "cdn" else None
        if f is None:
            return self.reply(404, b"<Error><Code>NoSuchKey</Code></Error>", None, head,
                              "application/xml")
        self.serve(f, head, {"ETag": '"%s"' % f.sha256})

    def serve(self, f, head, headers):
        data = f.data
        with STATE.lock:
            corrupt = f.path in STATE.knobs["corrupt"]
        if corrupt and data:
            mid = len(data) // 2
            data = data[:mid] + bytes(b ^ 0xFF for b in data[mid:mid + 64]) + data[mid + 64:]
        size = len(data)
        start, end = 0, size - 1
        rng = self.headers.get("Range")
        code = 200
        if rng and rng.startswith("bytes="):
            a, _, b = rng[len("bytes="):].partition("-")
            start = int(a) if a else 0
            if b:
                end = min(int(b), size - 1)
            if start >= size:
                return self.reply(416, b"", {"Content-Range": "bytes */%d" % size}, head)
            code = 206
        body = data[start:end + 1]
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        if code == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if head:
            return
        drop = STATE.take_once("drop_after", f.path)
        hold = STATE.take_once("hold_after", f.path)
        pos = 0
        if drop is not None:
            self.wfile.write(body[:drop])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if hold is not None:
            self.wfile.write(body[:hold])
            self.wfile.flush()
            pos = hold
            with STATE.lock:
                STATE.held += 1
            STATE.release.wait(120)
            with STATE.lock:
                STATE.held -= 1
        while pos < len(body):
            self.wfile.write(body[pos:pos + 65536])
            pos += 65536
        self.wfile.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, is_cdn):
        super().__init__(("127.0.0.1", 0), Handler)
        self.is_cdn = is_cdn

    def handle_error(self, request, client_address):  # dropped connections are expected
        pass


def main():
    global STATE, CDN_PORT
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", action="append", default=[], help="ORG/NAME=DIR")
    args = ap.parse_args()
    repos = builtin_repos() + gguf_repos()
    for spec in args.repo:
        rid, _, directory = spec.partition("=")
        repos.append(repo_from_dir(rid, directory))
    STATE = State(repos)
    cdn = Server(True)
    CDN_PORT = cdn.server_address[1]
    hub = Server(False)
    threading.Thread(target=cdn.serve_forever, daemon=True).start()
    print(hub.server_address[1], flush=True)
    try:
        hub.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
