#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (small, valid or nearly valid inputs
that give the fuzzers a head start). Standard library only; the state-file and GGUF seeds need
the built `coil` CLI (pass --coil build/cli/coil), the others nothing.

Usage: tools/make_fuzz_seeds.py [--coil PATH]   (from the repository root)
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import fuzz_seed_pdfs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
SEP = b"\n@@COIL@@\n"  # tests/fuzz/fuzz_support.hpp kPartSeparator


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- safetensors ---------------------------------------------------------------------------

DTYPES = {"F32": ("<f", 4), "F16": ("<e", 2), "BF16": (None, 2), "I32": ("<i", 4)}


def tensor_bytes(dtype, values):
    fmt, size = DTYPES[dtype]
    if dtype == "BF16":
        return b"".join(struct.pack("<f", v)[2:] for v in values)
    return b"".join(struct.pack(fmt, v) for v in values)


def safetensors(tensors, metadata=None, pad=True):
    """tensors: [(name, dtype, shape, values)] laid out back to back."""
    header, data = {}, b""
    for name, dtype, shape, values in tensors:
        b = tensor_bytes(dtype, values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def values(n, seed=1):
    return [((i * 37 + seed * 11) % 17 - 8) / 8.0 for i in range(n)]


def seeds_safetensors():
    write("safetensors", "two_tensors", safetensors(
        [("a", "F32", [2, 3], values(6)), ("b", "BF16", [4], values(4, 2))], {"format": "pt"}))
    write("safetensors", "f16_i32", safetensors(
        [("h", "F16", [3, 1], values(3)), ("i", "I32", [2], [7, -7]), ("e", "F32", [0, 4], [])]))
    # A header length that is not a multiple of 8: the tensors are misaligned in the mapping.
    write("safetensors", "misaligned", safetensors([("m", "F32", [2, 2], values(4))], pad=False))
    write("safetensors", "empty_header", safetensors([]))


# ---- a tiny model: config.json + model.safetensors -----------------------------------------

def tiny_model(arch="FalconMambaForCausalLM", dtype="F32", tied=True, bias=False):
    V, H, D, N, K, R, L = 8, 4, 8, 2, 2, 1, 1
    config = {"architectures": [arch], "model_type": "falcon_mamba" if "Falcon" in arch else "mamba",
              "vocab_size": V, "hidden_size": H, "intermediate_size": D, "state_size": N,
              "num_hidden_layers": L, "conv_kernel": K, "time_step_rank": R,
              "layer_norm_epsilon": 1e-5, "use_bias": bias, "use_conv_bias": True,
              "tie_word_embeddings": tied, "bos_token_id": 0, "eos_token_id": 1}
    t = [("backbone.embeddings.weight", [V, H])]
    for i in range(L):
        p = f"backbone.layers.{i}."
        m = p + "mixer."
        t += [(p + "norm.weight", [H]), (m + "in_proj.weight", [2 * D, H]),
              (m + "conv1d.weight", [D, 1, K]), (m + "conv1d.bias", [D]),
              (m + "x_proj.weight", [R + 2 * N, D]), (m + "dt_proj.weight", [D, R]),
              (m + "dt_proj.bias", [D]), (m + "A_log", [D, N]), (m + "D", [D]),
              (m + "out_proj.weight", [H, D])]
        if bias:
            t += [(m + "in_proj.bias", [2 * D]), (m + "out_proj.bias", [H])]
    t.append(("backbone.norm_f.weight", [H]))
    if not tied:
        t.append(("lm_head.weight", [V, H]))
    tensors = []
    for k, (name, shape) in enumerate(t):
        n = 1
        for d in shape:
            n *= d
        tensors.append((name, dtype, shape, values(n, k)))
    return json.dumps(config, indent=1).encode(), safetensors(tensors)


def seeds_model_load():
    for name, kw in [("falcon_f32", {}), ("mamba_bf16_untied", {"arch": "MambaForCausalLM", "dtype": "BF16", "tied": False}),
                     ("falcon_f16_bias", {"dtype": "F16", "bias": True})]:
        config, st = tiny_model(**kw)
        write("model_load", name, config + SEP + st)


# ---- tokenizer.json ------------------------------------------------------------------------

def byte_level_alphabet():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def tokenizer_json(pre_tokenizer, normalizer=None, added=(), merges_as_pairs=False, extra_vocab=()):
    alphabet = byte_level_alphabet()
    vocab = {alphabet[b]: i for i, b in enumerate(range(256))}
    merges = []
    for a, b in [("h", "e"), ("l", "l"), ("he", "ll"), ("o", "Ġ"), ("Ġ", "w"), ("Ġw", "o"), ("1", "2")]:
        if a + b not in vocab:
            vocab[a + b] = len(vocab)
        merges.append([a, b] if merges_as_pairs else f"{a} {b}")
    for t in extra_vocab:
        vocab.setdefault(t, len(vocab))
    added_tokens = []
    for content, special, extra in added:
        tok = {"id": len(vocab) + len(added_tokens), "content": content, "single_word": False,
               "lstrip": False, "rstrip": False, "normalized": not special, "special": special}
        tok.update(extra)
        added_tokens.append(tok)
    return json.dumps({"version": "1.0", "truncation": None, "padding": None,
                       "added_tokens": added_tokens, "normalizer": normalizer,
                       "pre_tokenizer": pre_tokenizer, "post_processor": None,
                       "decoder": {"type": "ByteLevel", "add_prefix_space": False},
                       "model": {"type": "BPE", "dropout": None, "unk_token": None,
                                 "continuing_subword_prefix": None, "end_of_word_suffix": None,
                                 "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                                 "merges": merges}}, ensure_ascii=False).encode()


TEXT = "hello world 12345 <|endoftext|> héllo   wörld\n\tdon't  ".encode()


def seeds_tokenizer_json():
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True}
    write("tokenizer_json", "byte_level", tokenizer_json(byte_level, added=[("<|endoftext|>", True, {})]) + SEP + TEXT)
    falcon_like = {"type": "Sequence", "pretokenizers": [
        {"type": "Punctuation", "behavior": "Contiguous"},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        {"type": "Digits", "individual_digits": False},
        {"type": "Split", "pattern": {"Regex": "[0-9][0-9][0-9]"}, "behavior": "Isolated", "invert": False}]}
    write("tokenizer_json", "falcon_like", tokenizer_json(
        falcon_like, added=[("<|endoftext|>", True, {}), ("  ", False, {"lstrip": True}),
                            ("wörld", False, {"single_word": True, "rstrip": True})]) + SEP + TEXT)
    nfc = {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]}
    write("tokenizer_json", "normalized", tokenizer_json(
        {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "ByteLevel", "add_prefix_space": True}]},
        normalizer=nfc, merges_as_pairs=True) + SEP + "Ǆ HÉLLO ﬁ wörld".encode())
    write("tokenizer_json", "whitespace_split_string", tokenizer_json(
        {"type": "Sequence", "pretokenizers": [
            {"type": "Whitespace"},
            {"type": "Split", "pattern": {"String": "ll"}, "behavior": "MergedWithPrevious", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}]},
        normalizer={"type": "NFKD"}) + SEP + TEXT)


# ---- text through the real tokenizers -------------------------------------------------------

def seeds_tokenizer_text():
    for i, text in enumerate([
            "Hello, world! How are you?", "  leading spaces and trailing  ",
            "numbers 1234567890 3.14159 and 1,000,000", "<|endoftext|>>>TITLE<< special tokens",
            "Ünïcödé: 日本語のテキスト, emoji 🙂🙃, Ελληνικά, العربية",
            "code:\n\tdef f(x):\n\t\treturn x ** 2  # comment\n",
            "don't won't it's we're they'll I'd", "\u00a0\u2003\u3000mixed\u200bspaces",
            "a" * 200, " " * 64 + "x", "\r\n\r\n\n\n"]):
        write("tokenizer_text", f"text{i:02d}", text)
    write("tokenizer_text", "invalid_utf8", b"valid \xff\xfe broken \xe2\x82 end \xc0\xaf")


# ---- SentencePiece models (protobuf written by hand) ------------------------------------------

def varint(n):
    out = b""
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    if wire == 5:
        return key + struct.pack("<f", payload)
    return key + varint(len(payload)) + payload  # wire 2


def sp_model(model_type, pieces, byte_fallback=False):
    """pieces: [(text, score, type)] with type 1 normal, 2 unknown, 3 control, 4 user, 6 byte."""
    body = b""
    for text, score, typ in pieces:
        body += field(1, 2, field(1, 2, text.encode()) + field(2, 5, score) + field(3, 0, typ))
    trainer = field(3, 0, model_type) + field(4, 0, len(pieces)) + field(35, 0, int(byte_fallback))
    trainer += field(40, 0, 0) + field(41, 0, 1) + field(42, 0, 2) + field(43, 0, (1 << 64) - 1)
    body += field(2, 2, trainer)
    body += field(3, 2, field(1, 2, b"identity") + field(3, 0, 1) + field(4, 0, 1) + field(5, 0, 1))
    return body


def seeds_sentencepiece():
    base = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("</s>", 0.0, 3)]
    words = ["\u2581the", "\u2581a", "\u2581hello", "\u2581world", "ll", "he", "o", "l", "h", "e",
             "w", "r", "d", "\u2581", "t", "a"]
    unigram = base + [(w, -1.0 - i * 0.5, 1) for i, w in enumerate(words)] + [("<user>", 0.0, 4)]
    write("sentencepiece", "unigram", sp_model(1, unigram) + SEP + b"hello world the <s>a</s> <user>")
    with_bytes = base + [(f"<0x{b:02X}>", 0.0, 6) for b in range(256)] + \
        [(w, -1.0 - i * 0.5, 1) for i, w in enumerate(words)]
    write("sentencepiece", "unigram_bytes", sp_model(1, with_bytes, byte_fallback=True) +
          SEP + "hello wörld 日本 </s>".encode())
    merged = ["he", "ll", "\u2581w", "or", "\u2581he"]
    bpe = base + [(w, -float(i), 1) for i, w in enumerate(merged + [w for w in words if w not in merged])]
    write("sentencepiece", "bpe", sp_model(2, bpe) + SEP + b"hello world hello")


# ---- chat templates ------------------------------------------------------------------------

CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content']"
          " + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")

LLAMA2 = """{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"""

TOOLS = """{%- macro render(schema, depth=0) -%}
{%- if schema is mapping -%}{ {%- for k, v in schema | items -%}{{ k | tojson }}: {{ render(v, depth + 1) }}{{ ', ' if not loop.last }}{%- endfor -%} }
{%- elif schema is string -%}{{ schema | tojson }}{%- elif schema is sequence -%}[{{ schema | map('string') | join(', ') }}]{%- else -%}{{ schema }}{%- endif -%}
{%- endmacro -%}
{%- set ns = namespace(system='', n=0) -%}
{%- for m in messages if m.role == 'system' -%}{%- set ns.system = ns.system ~ m.content | trim -%}{%- endfor -%}
{%- if tools is defined and tools -%}{{ '<tools>' }}{%- for t in tools -%}{{ render(t) }}{%- endfor -%}{{ '</tools>' }}{%- endif -%}
{{ ns.system | upper | replace('TERSE', 'brief') | indent(2, first=true) }}
{%- for m in messages[-3:] | reverse | list | reverse -%}
{%- set ns.n = ns.n + 1 -%}{{ '\\n' ~ loop.index ~ '/' ~ loop.length ~ ' ' ~ m.role | title }}: {{ m.content[:100] | e }}
{%- if m.content is string and '<' in m.content %} (has markup, {{ m.content | length }} chars, {{ m.content.split(' ') | length }} words){% endif -%}
{%- endfor -%}
{{ '\\n' ~ range(3) | sum ~ ' ' ~ [3, 1, 2] | sort | join(',') ~ ' ' ~ ['b', 'a', 'b'] | unique | list | join ~ ' ' ~ (7 // 2) ~ (7 % 3) ~ (2 ** 10) ~ (1.5 | round) ~ ('42' | int) }}
{%- if add_generation_prompt %}{{ '\\nassistant:' }}{% endif %}"""

SET_BLOCK = """{% set header %}{% for m in messages %}{{ m.role[0] | upper }}{% endfor %}{% endset %}{{ header }}{% raw %}{{ not parsed }}{% endraw %}{# comment #}
{%- for i in range(2, 10, 3) if i is odd -%}{{ loop.cycle('x', 'y') }}{{ loop.previtem | default('-') }}{% if loop.last %}{% break %}{% endif %}{% endfor -%}
{{ dict(a=1, b=[1, 2.5, none, true]) | tojson(indent=2, sort_keys=true) }}{{ 'abcdef'[::-2] }}{{ [1,2,3][1:] }}{{ "%s" if false else 'y' }}"""


def seeds_chat_template():
    variables = json.dumps({"messages": [{"role": "system", "content": "Be terse."},
                                         {"role": "user", "content": "What is <b>2+2</b>?"},
                                         {"role": "assistant", "content": "4"},
                                         {"role": "user", "content": "And 3+3?", "name": "bob"}],
                            "tools": [{"name": "add", "parameters": {"type": "object", "properties": {
                                "a": {"type": "integer"}, "b": {"type": "number", "enum": [1, 2]}}}}],
                            "add_generation_prompt": True, "bos_token": "<s>", "eos_token": "</s>"})
    for name, t in [("chatml", CHATML), ("llama2", LLAMA2), ("tools", TOOLS), ("set_block", SET_BLOCK)]:
        write("chat_template", name, t.encode() + SEP + variables.encode())
    write("chat_template", "no_variables", CHATML.encode())


def seeds_chat_config():
    """tokenizer_config.json, generation_config.json, config.json, chat_template.jinja."""
    def parts(tok, gen, cfg, jinja=""):
        enc = lambda v: json.dumps(v, indent=1).encode() if v is not None else b""
        return SEP.join([enc(tok), enc(gen), enc(cfg), jinja.encode()])
    cfg = {"model_type": "falcon_mamba", "vocab_size": 1000, "bos_token_id": 0, "eos_token_id": 0}
    write("chat_config", "chatml_sampled", parts(
        {"chat_template": CHATML, "bos_token": "<s>", "eos_token": {"content": "<|im_end|>", "lstrip": False}},
        {"do_sample": True, "temperature": 0.6, "top_k": 40, "top_p": 0.95, "min_p": 0.05,
         "repetition_penalty": 1.1, "max_new_tokens": 512, "eos_token_id": [0, 11]}, cfg))
    write("chat_config", "named_templates_greedy", parts(
        {"chat_template": [{"name": "default", "template": LLAMA2}, {"name": "tool_use", "template": TOOLS}],
         "bos_token": "<s>", "eos_token": "</s>"},
        {"do_sample": False, "bos_token_id": 1, "eos_token_id": 2}, cfg))
    write("chat_config", "jinja_file", parts({"eos_token": "!"}, None, cfg, SET_BLOCK))
    write("chat_config", "config_only", parts(None, None, cfg))


def minimal_pdf(text):
    """A one-page PDF whose text layer is `text` (Helvetica), with a correct xref table."""
    stream = ("BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
               b" /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def seeds_attachment():
    """The first byte picks the suffix (fuzz_attachment.cpp): 0 pdf, 1 html, 2 md, 3 cpp, 4 txt."""
    write("attachment", "pdf", b"\x00" + minimal_pdf("The secret word is marmalade."))
    write("attachment", "html", b"\x01" + "<html><head><style>p{color:red}</style></head><body>"
          "<h1>Title</h1><p>Caf\u00e9 &amp; <b>bold</b><img src='x.png'></p><table><tr><td>1</td>"
          "</tr></table><ul><li>item</li></ul></body></html>".encode())
    write("attachment", "markdown", b"\x02" + "# Notes\n\n* one\n* two \u2014 `code`\n".encode())
    write("attachment", "source", b"\x03\xEF\xBB\xBFint main() { return 0; }\n")
    write("attachment", "utf16", b"\x04\xFF\xFE" + "hello \u00e9".encode("utf-16-le"))
    for name, pdf in fuzz_seed_pdfs.seeds().items():
        write("attachment", name, b"\x00" + pdf)
    # HTML that QTextDocument turns into each kind of block and character format
    write("attachment", "html_structure", b"\x01" + (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>T</title>"
        "<style>.c{font-weight:bold;text-decoration:underline}</style><script>x<1</script></head>"
        "<body><h2 align=center>Heading</h2><h6>six</h6><p style='vertical-align:super'>a<sub>2"
        "</sub><sup>3</sup> <s>gone</s> <u>under</u> <i>it</i> <code>c()</code> "
        "<font color=red size=+2>big</font> <span class=c>cls</span> &nbsp;&eacute;&#x1F600;&#233;"
        "&unknown; <a href='#x' name=x>link</a><br><img src='data:,x' alt='img'></p>"
        "<ol type=a start=3><li>one<ul><li>nested</li></ul></li><li>two</li></ol>"
        "<table border=1><tr><th colspan=2>head</th></tr><tr><td rowspan=2>r</td><td>c</td></tr>"
        "<tr><td><table><tr><td>inner</td></tr></table></td></tr></table>"
        "<blockquote>quoted<hr></blockquote><pre>  pre\n\tformatted</pre><dl><dt>term</dt><dd>"
        "definition</dd></dl><div dir=rtl>\u05e9\u05dc\u05d5\u05dd</div><!-- comment -->"
        "<center><q>q</q></center><p>unclosed <b>bold <i>both</p></body></html>").encode())
    write("attachment", "html_utf16", b"\x01\xFE\xFF" + "<p>UTF-16 <b>big</b> endian</p>".encode(
        "utf-16-be"))
    write("attachment", "markdown_blocks", b"\x02" + (
        "Title\n=====\n\n> quote\n\n1. one\n2. two\n\n```cpp\nint x;\n```\n\n| a | b |\n"
        "|---|---|\n| 1 | 2 |\n\r\n\x07bell\x1b[0m\ttab\u2028sep\n").encode())


# ---- state files (through the built CLI) ----------------------------------------------------

def seeds_state_file(coil):
    model = os.path.join(ROOT, "tests", "data", "models", "falcon-tiny-f32")
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, "s.coilstate")
        subprocess.run([coil, "logits", "--model", model, "--ids", "1,2,3", "--backend", "cpu",
                        "--out", os.path.join(tmp, "l.f32"), "--state-out", state], check=True)
        data = open(state, "rb").read()
    for flags in (0, 3):  # 3: the harness repairs the checksum and fingerprint
        write("state_file", f"tiny_flags{flags}", bytes([flags]) + data)


# ---- GGUF files (through the built CLI: coil quantize) --------------------------------------

def seeds_gguf(coil):
    config, st = tiny_model()
    # byte-level BPE over the tiny model's 8 ids, and a chat template: carried into the GGUF
    alphabet = byte_level_alphabet()
    vocab = {alphabet[b]: i for i, b in enumerate(b"helo wr!")}
    tok = {"version": "1.0", "added_tokens": [], "normalizer": None,
           "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
           "decoder": {"type": "ByteLevel"},
           "model": {"type": "BPE", "vocab": vocab, "merges": []}}
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model")
        os.makedirs(model)
        open(os.path.join(model, "config.json"), "wb").write(config)
        open(os.path.join(model, "model.safetensors"), "wb").write(st)
        open(os.path.join(model, "tokenizer.json"), "w").write(json.dumps(tok))
        open(os.path.join(model, "tokenizer_config.json"), "w").write(
            json.dumps({"chat_template": CHATML, "bos_token": "h", "eos_token": "!"}))
        for t in ("f32", "q8_0"):
            out = os.path.join(tmp, f"{t}.gguf")
            subprocess.run([coil, "quantize", "--model", model, "--type", t, "--out", out],
                           check=True, capture_output=True)
            write("gguf", f"tiny_{t}", open(out, "rb").read())


# ---- Hub answers and chat exports ----------------------------------------------------------

def seeds_hub_json():
    search = [{"id": "tiiuae/falcon-mamba-7b-instruct", "downloads": 12345, "likes": 50,
               "lastModified": "2024-08-12T10:00:00.000Z", "tags": ["safetensors", "falcon_mamba"],
               "pipeline_tag": "text-generation", "library_name": "transformers", "gated": False,
               "private": False, "config": {"model_type": "falcon_mamba", "architectures": ["FalconMambaForCausalLM"]},
               "siblings": [{"rfilename": "config.json"}, {"rfilename": "model-00001-of-00002.safetensors"}]},
              {"modelId": "x/gguf-only", "tags": ["gguf"], "gated": "manual", "siblings": [{"rfilename": "m.gguf"}]}]
    write("hub_json", "search", json.dumps(search))
    info = dict(search[0], sha="0123456789abcdef0123456789abcdef01234567",
                safetensors={"total": 7272665088, "parameters": {"BF16": 7272665088}})
    write("hub_json", "repo_info", json.dumps(info))
    tree = [{"type": "file", "path": "config.json", "size": 1093, "oid": "a" * 40},
            {"type": "directory", "path": "sub", "size": 0, "oid": "b" * 40},
            {"type": "file", "path": "model-00001-of-00002.safetensors", "size": 123, "oid": "c" * 40,
             "lfs": {"oid": "d" * 64, "size": 4938985352, "pointerSize": 135}}]
    write("hub_json", "tree", json.dumps(tree))
    config = {"architectures": ["FalconMambaForCausalLM"], "model_type": "falcon_mamba", "vocab_size": 65024,
              "hidden_size": 4096, "intermediate_size": 8192, "expand": 16, "state_size": 16,
              "num_hidden_layers": 64, "conv_kernel": 4, "time_step_rank": 256, "torch_dtype": "bfloat16",
              "tie_word_embeddings": False}
    write("hub_json", "config", json.dumps(config))


def seeds_chat_import():
    def conv(title, messages, leaf):
        return {"title": title, "pinned": False, "created_at": 1700000000000, "updated_at": 1700000100000,
                "last_opened_at": None, "model_id": "tiiuae/falcon-mamba-7b-instruct", "model_path": "",
                "system_prompt": "Be terse.", "sampling": {"temperature": 0.7, "top_p": 0.9},
                "active_leaf": leaf, "messages": messages}
    msgs = [{"id": 1, "parent": None, "role": "user", "content": "Hi", "created_at": 1700000000001},
            {"id": 2, "parent": 1, "role": "assistant", "content": "Hello!", "created_at": 1700000000002,
             "meta": {"model": "falcon", "seed": 42, "prompt_tokens": 5, "completion_tokens": 2,
                      "prefill_tokens_per_s": 100.5, "decode_tokens_per_s": 20.25, "finish_reason": "stop",
                      "sampling": {"temperature": 0.7}}},
            {"id": 3, "parent": 1, "role": "assistant", "content": "Hey (a branch)", "created_at": 1700000000003}]
    export = {"format": "coil-chat", "schema_version": 1,
              "conversations": [conv("Greeting", msgs, 3), conv("Empty", [], None)]}
    write("chat_import", "two_chats", json.dumps(export, indent=2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--coil", help="the built coil CLI, for the state-file seeds")
    args = ap.parse_args()
    seeds_safetensors()
    seeds_model_load()
    seeds_tokenizer_json()
    seeds_tokenizer_text()
    seeds_sentencepiece()
    seeds_chat_template()
    seeds_chat_config()
    seeds_attachment()
    seeds_hub_json()
    seeds_chat_import()
    if args.coil:
        seeds_state_file(args.coil)
        seeds_gguf(args.coil)
    elif not os.path.isdir(os.path.join(CORPUS, "state_file")):
        sys.exit("the state_file and gguf seeds need --coil PATH (the built CLI)")


if __name__ == "__main__":
    main()
