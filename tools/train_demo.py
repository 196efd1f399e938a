#!/usr/bin/env python3
"""Train Coil's bundled demo model: a tiny FalconMamba chat model with its own BPE tokenizer.

Build-time tool only (PyPI torch, tokenizers, safetensors, transformers; see
tools/requirements-demo.txt). Nothing here is a runtime dependency of Coil.

What it does, deterministically from --seed:
  1. generates a synthetic corpus of simple chat questions with checkable answers
     (addition, subtraction, multiplication, comparisons, unit conversions, spelling a
     word backwards, a few fixed greetings), in chats of 1-6 turns of mixed kinds (every
     answer learnt) with several phrasings each, the app's suggestion chips (read from
     ui/EmptyState.qml) among them; some operand pairs / words are held out and never appear
     in training: they make the dev set (progress) and eval.jsonl (final: each held-out
     question alone and after 1-5 earlier turns, and each chip alone and after turns);
  2. trains a byte-level BPE tokenizer (digits split individually) with the ChatML
     special tokens <|endoftext|>, <|im_start|>, <|im_end|>;
  3. trains a FalconMambaForCausalLM (transformers' own module holds the parameters, so
     names, shapes and init are Hugging Face's) on the assistant tokens only. The forward
     pass used for training is our own (same math as modeling_falcon_mamba.py) with the
     selective scan in a small C kernel compiled at start (plain torch fallback), because
     the reference sequential scan is far too slow on 1-2 CPU cores;
  4. saves config.json + model.safetensors (save_pretrained), tokenizer.json,
     tokenizer_config.json (ChatML chat_template), generation_config.json, eval.jsonl and
     README.md into the output folder;
  5. reloads the folder with transformers' FalconMambaForCausalLM and checks that its logits
     equal our training forward pass (max abs diff < 1e-4), and measures greedy exact-match
     accuracy on eval.jsonl with the reloaded HF model and the saved tokenizer + template.

Usage (from the repository root):
  python tools/train_demo.py                     # trains and writes resources/models/coil-demo
  python tools/train_demo.py --eval-only         # only re-checks an existing folder
  python tools/train_demo.py --init resources/models/coil-demo --steps 1500 --lr 0.002
                                                 # goes on from the folder (how it was made)
Keep --threads 1 on a shared machine: with two threads on a loaded 2-core machine each
step waited on the other thread (about 10x slower).
"""

import argparse
import ctypes
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "resources", "models", "coil-demo")

EOT, IM_START, IM_END = "<|endoftext|>", "<|im_start|>", "<|im_end|>"
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# --------------------------------------------------------------------------------------
# 1. Synthetic corpus
# --------------------------------------------------------------------------------------

ADD_MAX, SUB_MAX, MUL_MAX, CMP_MAX, CONV_MAX = 30, 30, 10, 99, 20

ADD_Q = ["What is {a} plus {b}?", "What is {a} + {b}?", "How much is {a} plus {b}?",
         "Add {a} and {b}.", "What do you get if you add {a} and {b}?", "Calculate {a} + {b}.",
         "What's {a} plus {b}?", "{a} + {b}", "{a}+{b}=?", "What is the sum of {a} and {b}?"]
SUB_Q = ["What is {a} minus {b}?", "What is {a} - {b}?", "How much is {a} minus {b}?",
         "Subtract {b} from {a}.", "What do you get if you subtract {b} from {a}?", "Calculate {a} - {b}.",
         "What's {a} minus {b}?", "{a} - {b}", "{a}-{b}=?", "Take {b} away from {a}."]
MUL_Q = ["What is {a} times {b}?", "What is {a} * {b}?", "How much is {a} times {b}?",
         "Multiply {a} by {b}.", "What is the product of {a} and {b}?", "Calculate {a} * {b}.",
         "What's {a} times {b}?", "{a} * {b}", "{a}*{b}=?", "What is {a} multiplied by {b}?"]
LARGER_Q = ["Which is larger, {a} or {b}?", "Which number is bigger: {a} or {b}?",
            "Which is greater, {a} or {b}?", "Which is more, {a} or {b}?", "Is {a} or {b} larger?",
            "Which is bigger, {a} or {b}?", "What is larger, {a} or {b}?", "{a} or {b}, which is larger?"]
SMALLER_Q = ["Which is smaller, {a} or {b}?", "Which number is less: {a} or {b}?",
             "Which is lower, {a} or {b}?", "Which is less, {a} or {b}?", "Is {a} or {b} smaller?",
             "Which is smaller: {a} or {b}?", "What is smaller, {a} or {b}?", "{a} or {b}, which is smaller?"]
# (big unit, small unit, factor); singular forms are the plural without the final "s"
UNITS = [("meters", "centimeters", 100), ("kilometers", "meters", 1000),
         ("centimeters", "millimeters", 10), ("kilograms", "grams", 1000),
         ("liters", "milliliters", 1000), ("meters", "millimeters", 1000)]
ABBR = {"meters": "m", "centimeters": "cm", "millimeters": "mm", "kilometers": "km",
        "grams": "g", "kilograms": "kg", "liters": "l", "milliliters": "ml"}
# {frm} / {to}: unit names (singular when the value is 1); {fa} / {ta}: their abbreviations
CONV_Q = ["How many {to} are in {v} {frm}?", "How many {to} is {v} {frm}?",
          "Convert {v} {frm} to {to}.", "What is {v} {frm} in {to}?",
          "Convert {v} {fa} to {ta}", "What is {v} {fa} in {ta}?", "How many {ta} in {v} {fa}?",
          "{v} {fa} to {ta}"]
REV_Q = ["Spell {w} backwards.", "What is {w} spelled backwards?", "Reverse the word {w}.",
         "Write {w} backwards.", "How do you spell {w} backwards?", "Spell the word {w} backwards.",
         "What is {w} backwards?", "Reverse {w}.", "Spell {w} backward."]
WORDS = """
able acid aged also area army away baby back ball band bank base bath bear beat bell belt
best bird blow blue boat body bone book boot born boss both bowl burn busy cake call calm
camp card care cart case cash cast cell chat chip city clay club coal coat code cold come
cook cool cope copy core corn cost crew crop dark data date dawn deal dear debt deep deny
desk diet dirt dish dock does done door dose down draw drew drop drug drum dual duck dust
duty earn ease east easy edge else even ever exit face fact fair fall farm fast fate fear
feed feel file fill film find fine fire firm fish five flag flat flow food foot form fort
four free frog fuel full fund gain game gate gave gear gift girl give glad goal gold golf
gone good gray grew grow gulf hair half hall hand hang hard harm hate have head hear heat
held hell help here hero high hill hint hold hole home hope host hour huge hung hunt hurt
idea inch iron item jazz join joke jump jury just keen keep kept kick kind king kiss knee
knew know lack lady laid lake lamp land lane last late lead left lend less life lift like
line link lion list live load loan lock logo long look lord lose loss lost loud love luck
made mail main make male mall many mark mass meal mean meat meet menu mere mile milk mind
mine miss mode mood moon more most move much must name navy near neck need news next nice
nine none nose note okay once only open oral over pace pack page paid pain pair palm park
part pass past path peak pick pile pink pipe plan play plot plus poem poet pole poll pool
poor port pose post pour pray pull pump pure push race rail rain rank rare rate read real
rear rely rent rest rice rich ride ring rise risk road rock role roll roof room root rope
rose rule rush safe sail sake salt same sand save seat seed seek seem seen self sell send
ship shoe shop shot show shut sick side sign silk sing sink site size skin slip slow snow
soft soil sold sole some song soon sort soul spot star stay step stop such suit sure swim
tail take tale talk tall tank tape task team tell tend term test text than that them then
they thin this tide tiny tone took tool tour town tree trip true tune turn twin type unit
upon used user vast very view vote wage wait wake walk wall want warm wash wave weak wear
week well went west what when whom wide wife wild will wind wine wing wire wise wish with
wolf wood word wore work yard year your zero zone
ant bag bat bed bee box boy bus cap car cat cow cup day dog ear egg eye fan fox fun gum hat
hen hot ice ink jam jar job joy key kid leg lip map mat mix mud net nut oak owl pan pen pet
pig pin pot rat red rug run sea sky sun tea toe top toy van web wet win yes zip
apple bread chair cloud dance earth field glass green happy horse house light money music
night ocean paper plant river smile stone table tiger water world
""".split()
# Words that always train (never held out): the chips' words outside WORDS. Kept apart so that
# the held-out words of a seed stay what they were before these were added.
EXTRA_WORDS = ["planet"]

CHAT_PAIRS = [
    (["Hello", "Hello!", "Hi", "Hi!", "Hey", "Hey there", "Good morning", "Hello there!"],
     "Hello! Ask me a simple question, like: What is 7 plus 5?"),
    (["Who are you?", "What are you?", "What is your name?", "Who made you?"],
     "I am Coil's tiny demo model, a small Mamba that runs on your computer."),
    (["What can you do?", "Help", "help", "What do you know?", "How can you help me?"],
     "I can add, subtract and multiply small numbers, compare two numbers, convert units "
     "and spell a word backwards."),
    (["Thank you", "Thanks!", "Thanks", "Thank you!", "Great, thanks."],
     "You are welcome!"),
    (["Bye", "Goodbye!", "See you later", "Bye!"],
     "Goodbye!"),
]
SYSTEM_PROMPTS = ["You are a helpful assistant.", "You are Coil's demo model.",
                  "Answer briefly.", "You are a friendly assistant. Keep answers short.",
                  "You are a helpful math tutor.", "Be concise."]


def unit(name, v):
    return name[:-1] if v == 1 else name


def make_item(kind, key, phr):
    """(question, answer) for a held-out-able key and a phrasing index."""
    if kind == "add":
        a, b = key
        return ADD_Q[phr].format(a=a, b=b), f"{a} plus {b} is {a + b}."
    if kind == "sub":
        a, b = key
        return SUB_Q[phr].format(a=a, b=b), f"{a} minus {b} is {a - b}."
    if kind == "mul":
        a, b = key
        return MUL_Q[phr].format(a=a, b=b), f"{a} times {b} is {a * b}."
    if kind == "cmp":
        a, b, larger = key
        hi, lo = max(a, b), min(a, b)
        if larger:
            return LARGER_Q[phr].format(a=a, b=b), f"{hi} is larger than {lo}."
        return SMALLER_Q[phr].format(a=a, b=b), f"{lo} is smaller than {hi}."
    if kind == "conv":
        u, v, up = key
        big, small, f = UNITS[u]
        if up:   # big -> small
            frm, to, vf, vt = big, small, v, v * f
        else:    # small -> big
            frm, to, vf, vt = small, big, v * f, v
        q = CONV_Q[phr].format(to=to, v=vf, frm=unit(frm, vf), fa=ABBR[frm], ta=ABBR[to])
        return q, f"{vf} {unit(frm, vf)} is {vt} {unit(to, vt)}."
    if kind == "rev":
        (w,) = key
        return REV_Q[phr].format(w=w), f"{w} backwards is {'-'.join(reversed(w))}."
    if kind == "chat":
        i, j = key
        return CHAT_PAIRS[i][0][j], CHAT_PAIRS[i][1]
    raise ValueError(kind)


N_PHRASINGS = {"add": len(ADD_Q), "sub": len(SUB_Q), "mul": len(MUL_Q), "cmp": len(LARGER_Q),
               "conv": len(CONV_Q), "rev": len(REV_Q), "chat": 1}
assert len(LARGER_Q) == len(SMALLER_Q)
# share of each kind in training, and how many items each kind gets in dev / eval
TRAIN_WEIGHTS = {"add": 0.18, "sub": 0.20, "mul": 0.08, "cmp": 0.15, "conv": 0.10, "rev": 0.24, "chat": 0.05}
# multiplication is a table learnt by heart: all of it trains, none of it is held out
EVAL_COUNTS = {"add": 25, "sub": 25, "cmp": 20, "conv": 15, "rev": 15}
DEV_COUNTS = {"add": 12, "sub": 12, "cmp": 8, "conv": 6, "rev": 10}
MAX_EARLIER_TURNS = 5

# The app's suggestion chips are read from the file that shows them: they must be questions
# of this corpus (with their keys trained, never held out), so the demo answers each of them.
CHIPS_FILE = os.path.join(ROOT, "ui", "EmptyState.qml")
CHIPS_MARKER = "demo-model-chips"


def read_chips(path=CHIPS_FILE):
    """The chip texts: the qsTr("...") strings of the list after the marker comment."""
    import re
    with open(path, encoding="utf-8") as f:
        text = f.read()
    at = text.find(CHIPS_MARKER)
    if at < 0:
        raise SystemExit(f"{path}: no '{CHIPS_MARKER}' comment before the suggestion chips")
    start = text.index("[", at)
    end = text.index("]", start)
    chips = re.findall(r'qsTr\("((?:[^"\\]|\\.)*)"\)', text[start:end])
    if not chips:
        raise SystemExit(f"{path}: no qsTr(\"...\") chip texts after '{CHIPS_MARKER}'")
    return chips


def all_keys():
    return {
        "add": [(a, b) for a in range(ADD_MAX + 1) for b in range(ADD_MAX + 1)],
        "sub": [(a, b) for a in range(SUB_MAX + 1) for b in range(a + 1)],
        "mul": [(a, b) for a in range(MUL_MAX + 1) for b in range(MUL_MAX + 1)],
        "cmp": [(a, b, l) for a in range(CMP_MAX + 1) for b in range(CMP_MAX + 1) if a != b
                for l in (True, False)],
        "conv": [(u, v, up) for u in range(len(UNITS)) for v in range(1, CONV_MAX + 1)
                 for up in (True, False)],
        "rev": [(w,) for w in WORDS + EXTRA_WORDS],
        "chat": [(i, j) for i, (qs, _) in enumerate(CHAT_PAIRS) for j in range(len(qs))],
    }


_QUESTIONS = None


def find_question(text):
    """(kind, key, phrasing) of a question of the corpus written exactly like `text`, or None."""
    global _QUESTIONS
    if _QUESTIONS is None:
        _QUESTIONS = {}
        for kind, ks in all_keys().items():
            for k in ks:
                for phr in range(N_PHRASINGS[kind]):
                    _QUESTIONS.setdefault(make_item(kind, k, phr)[0], (kind, k, phr))
    return _QUESTIONS.get(text)


def group_of(kind, key):
    """What must be held out together so that a question is new: add, the unordered pair
    (a+b and b+a); cmp, the unordered pair, both questions; others, the key itself."""
    if kind == "add":
        return tuple(sorted(key))
    if kind == "cmp":
        return tuple(sorted(key[:2]))
    return key


class Corpus:
    """All keys per kind, split into train / dev / eval keys. Dev and eval keys never train.
    The chips' keys always train."""

    def __init__(self, seed, chips):
        rng = random.Random(seed)
        self.rng = rng
        self.chips = []   # (kind, key, question, answer)
        for c in chips:
            found = find_question(c)
            if found is None:
                raise SystemExit(f"suggestion chip {c!r} ({CHIPS_FILE}) is not a question the demo "
                                 "model is trained on: use a phrasing and numbers/word of the corpus")
            kind, key, phr = found
            self.chips.append((kind, key, c, make_item(kind, key, phr)[1]))
        chip_groups = {(k, group_of(k, key)) for k, key, _, _ in self.chips}
        keys = all_keys()
        assert len(set(WORDS + EXTRA_WORDS)) == len(WORDS + EXTRA_WORDS)
        self.train, self.dev, self.eval = {}, {}, {}
        for kind, ks in keys.items():
            if kind not in EVAL_COUNTS or kind == "rev":   # rev: see split_words()
                self.train[kind] = ks
                continue
            n_out = EVAL_COUNTS[kind] + DEV_COUNTS[kind]
            groups = sorted({group_of(kind, k) for k in ks})
            held = rng.sample(groups, n_out)
            held_set = set(held)
            for kk, g in chip_groups:
                if kk == kind and g in held_set:
                    raise SystemExit(f"seed {seed} holds out the operands of a suggestion chip "
                                     f"({kind} {g}): choose another chip or another --seed")
            self.train[kind] = [k for k in ks if group_of(kind, k) not in held_set]
            held_keys = [k for k in ks if group_of(kind, k) in held_set]
            # one item per held-out group: pick a key of the group at random
            by_group = {}
            for k in held_keys:
                by_group.setdefault(group_of(kind, k), []).append(k)
            picked = [rng.choice(by_group[g]) for g in held]
            self.eval[kind] = picked[:EVAL_COUNTS[kind]]
            self.dev[kind] = picked[EVAL_COUNTS[kind]:]

    def split_words(self, tok):
        """Hold out words to spell backwards. A word is split by the tokenizer into pieces
        (which do not depend on this split: the merges never see these words), and a model
        can only know how a piece is spelled if some training word has it, so a held-out
        word must use only pieces that remaining training words use too."""
        rng = random.Random(self.rng.random())
        pieces = {w: set(tok.encode(" " + w).ids) | {-1 - i for i in tok.encode(w).ids}
                  for w in WORDS}
        n_out = EVAL_COUNTS["rev"] + DEV_COUNTS["rev"]
        chip_words = {key[0] for kind, key, _, _ in self.chips if kind == "rev"}
        held = []
        for w in rng.sample(WORDS, len(WORDS)):
            trial = held + [w]
            rest = set(WORDS) - set(trial)
            covered = set().union(*(pieces[r] for r in rest))
            if all(pieces[h] <= covered for h in trial):
                held = trial
                if len(held) == n_out:
                    break
        assert len(held) == n_out
        if chip_words & set(held):
            raise SystemExit(f"the seed holds out the word of a suggestion chip ({chip_words & set(held)}): "
                             "choose another chip or another --seed")
        self.train["rev"] = [(w,) for w in WORDS + EXTRA_WORDS if w not in held]
        self.eval["rev"] = [(w,) for w in held[:EVAL_COUNTS["rev"]]]
        self.dev["rev"] = [(w,) for w in held[EVAL_COUNTS["rev"]:]]

    def items(self, split):
        """Evaluation cases of a split: dicts {messages, answer, kind, set}. Sets: "single"
        (one held-out question), "multi" (the same held-out questions after 1-5 earlier
        turns of trained questions, sometimes a system prompt) and, for eval, "chip" (each
        suggestion chip alone and after 1-5 earlier turns; chips are trained questions)."""
        rng = random.Random(f"{split}-phrasing")
        ctx = random.Random(f"{split}-context")
        out, multi = [], []
        for kind, ks in (self.eval if split == "eval" else self.dev).items():
            for k in ks:
                q, a = make_item(kind, k, rng.randrange(N_PHRASINGS[kind]))
                out.append({"messages": [{"role": "user", "content": q}], "answer": a,
                            "kind": kind, "set": "single"})
                msgs = self.context(ctx, ctx.randint(1, MAX_EARLIER_TURNS))
                multi.append({"messages": msgs + [{"role": "user", "content": q}], "answer": a,
                              "kind": kind, "set": "multi"})
        out += multi
        if split == "eval":
            for kind, _, q, a in self.chips:
                for n in range(MAX_EARLIER_TURNS + 1):
                    msgs = self.context(ctx, n) if n else []
                    out.append({"messages": msgs + [{"role": "user", "content": q}], "answer": a,
                                "kind": kind, "set": "chip"})
        return out

    def context(self, rng, n_turns):
        """Earlier turns of trained questions (with right answers), maybe a system prompt."""
        msgs = []
        if rng.random() < 0.15:
            msgs.append({"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
        for _ in range(n_turns):
            _, q, a = self.sample_qa(rng)
            msgs += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        return msgs

    def sample_qa(self, rng, kind=None):
        if self.chips and rng.random() < 0.02:   # the chips verbatim, now and then
            kind, _, q, a = rng.choice(self.chips)
            return kind, q, a
        if kind is None:
            kind = rng.choices(list(TRAIN_WEIGHTS), weights=list(TRAIN_WEIGHTS.values()))[0]
        key = rng.choice(self.train[kind])
        q, a = make_item(kind, key, rng.randrange(N_PHRASINGS[kind]))
        # light noise on the user's text only (people type casually)
        r = rng.random()
        if r < 0.10:
            q = q[0].lower() + q[1:]
        elif r < 0.18 and q[-1] in "?.!":
            q = q[:-1]
        elif r < 0.21:
            q = q.lower()
        return kind, q, a

    def sample_conversation(self, rng):
        """A list of messages for training: 1-6 Q&A turns of mixed kinds (so that any question
        may follow any other), sometimes with a system prompt. Every answer is learnt."""
        n = 1 if rng.random() < 0.3 else rng.randint(2, MAX_EARLIER_TURNS + 1)
        return self.context(rng, n)


# --------------------------------------------------------------------------------------
# 2. Tokenizer
# --------------------------------------------------------------------------------------

def train_tokenizer(corpus, vocab_size, seed):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=2, show_progress=False,
        special_tokens=[EOT, IM_START, IM_END],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    # Texts for the merges: every template with the words to spell removed, so a word is
    # split into the same small pieces whether it is a training or a held-out one.
    rng = random.Random(seed + 1)
    texts = ["user", "assistant", "system"] * 2000 + SYSTEM_PROMPTS
    for qs, a in CHAT_PAIRS:
        texts += qs + [a]
    for _ in range(20000):
        kind, q, a = corpus.sample_qa(rng)
        if kind == "rev":
            continue
        texts += [q, a]
    for phr in REV_Q:
        texts += [phr.format(w="")] * 200
    texts += [" backwards is ."] * 1000
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def render(messages, add_generation_prompt):
    from jinja2 import Environment
    return Environment().from_string(CHAT_TEMPLATE).render(
        messages=messages, add_generation_prompt=add_generation_prompt)


def encode_conversation(tok, msgs, rng):
    """ids and a loss mask (1 on assistant content and its <|im_end|>)."""
    ids, mask = [], []
    if rng is not None and rng.random() < 0.15:   # robustness to a leading BOS
        ids.append(tok.token_to_id(EOT))
        mask.append(0)
    for m in msgs:
        head = tok.encode(f"{IM_START}{m['role']}\n", add_special_tokens=False).ids
        body = tok.encode(m["content"], add_special_tokens=False).ids
        end = [tok.token_to_id(IM_END)]
        nl = tok.encode("\n", add_special_tokens=False).ids
        learn = 1 if m["role"] == "assistant" else 0
        ids += head + body + end + nl
        mask += [0] * len(head) + [learn] * (len(body) + 1) + [0] * len(nl)
    return ids, mask


# --------------------------------------------------------------------------------------
# 3. Model: HF FalconMamba parameters, our fast forward
# --------------------------------------------------------------------------------------

SCAN_C = r"""
#include <math.h>
#include <stdlib.h>
#include <string.h>
#define R __restrict__
void scan_fwd(int Bn, int T, int D, int N, const float *R delta, const float *R x,
              const float *R Bm, const float *R Cm, const float *R A, float *R y) {
    float *R h = malloc(sizeof(float) * (size_t)D * N);
    for (int b = 0; b < Bn; b++) {
        memset(h, 0, sizeof(float) * (size_t)D * N);
        for (int t = 0; t < T; t++) {
            size_t o = (size_t)b * T + t;
            const float *R dl = delta + o * D, *R xx = x + o * D, *R B = Bm + o * N, *R C = Cm + o * N;
            float *R yy = y + o * D;
            for (int d = 0; d < D; d++) {
                float *R hd = h + (size_t)d * N; const float *R Ad = A + (size_t)d * N;
                float dv = dl[d], dx = dv * xx[d], acc = 0.f;
                for (int n = 0; n < N; n++) {
                    float v = expf(dv * Ad[n]) * hd[n] + dx * B[n];
                    hd[n] = v; acc += v * C[n];
                }
                yy[d] = acc;
            }
        }
    }
    free(h);
}
void scan_bwd(int Bn, int T, int D, int N, const float *R delta, const float *R x,
              const float *R Bm, const float *R Cm, const float *R A, const float *R gy,
              float *R gdelta, float *R gx, float *R gB, float *R gC, float *R gA) {
    size_t S = (size_t)D * N;
    float *R hs = malloc(sizeof(float) * S * (T + 1));
    float *R G = malloc(sizeof(float) * S);      /* dL/dh_t carried backwards, times a_{t+1} */
    for (int b = 0; b < Bn; b++) {
        memset(hs, 0, sizeof(float) * S);
        for (int t = 0; t < T; t++) {
            size_t o = (size_t)b * T + t;
            const float *R dl = delta + o * D, *R xx = x + o * D, *R B = Bm + o * N;
            const float *R hp = hs + S * t; float *R hc = hs + S * (t + 1);
            for (int d = 0; d < D; d++) {
                const float *R Ad = A + (size_t)d * N; float dv = dl[d], dx = dv * xx[d];
                const float *R hpd = hp + (size_t)d * N; float *R hcd = hc + (size_t)d * N;
                for (int n = 0; n < N; n++) hcd[n] = expf(dv * Ad[n]) * hpd[n] + dx * B[n];
            }
        }
        memset(G, 0, sizeof(float) * S);   /* G holds a_{t+1} * dL/dh_{t+1} */
        for (int t = T - 1; t >= 0; t--) {
            size_t o = (size_t)b * T + t;
            const float *R dl = delta + o * D, *R xx = x + o * D, *R B = Bm + o * N, *R C = Cm + o * N,
                        *R g = gy + o * D;
            float *R gBt = gB + o * N, *R gCt = gC + o * N, *R gdl = gdelta + o * D, *R gxx = gx + o * D;
            const float *R hp = hs + S * t, *R hc = hs + S * (t + 1);
            for (int d = 0; d < D; d++) {
                const float *R Ad = A + (size_t)d * N; float *R gAd = gA + (size_t)d * N;
                const float *R hpd = hp + (size_t)d * N, *R hcd = hc + (size_t)d * N;
                float *R Gd = G + (size_t)d * N;
                float dv = dl[d], xv = xx[d], gv = g[d], dx = dv * xv, sdl = 0.f, sx = 0.f;
                for (int n = 0; n < N; n++) {
                    float a = expf(dv * Ad[n]);
                    float Gi = gv * C[n] + Gd[n];          /* dL/dh_t */
                    gCt[n] += gv * hcd[n];
                    float ga = Gi * hpd[n] * a;            /* dL/d(dv*A) */
                    sdl += ga * Ad[n] + Gi * xv * B[n];
                    gAd[n] += ga * dv;
                    sx += Gi * B[n];
                    gBt[n] += Gi * dx;
                    Gd[n] = Gi * a;
                }
                gdl[d] = sdl; gxx[d] = dv * sx;
            }
        }
    }
    free(hs); free(G);
}
"""

_LIB = None


def load_scan_kernel():
    """Compile the C scan with the system compiler; None (torch fallback) if that fails."""
    global _LIB
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        return None
    d = tempfile.mkdtemp(prefix="coil-demo-scan-")
    src, so = os.path.join(d, "scan.c"), os.path.join(d, "scan.so")
    with open(src, "w") as f:
        f.write(SCAN_C)
    flags = ["-O3", "-ffast-math", "-fPIC", "-shared"]
    for arch in (["-march=native"], []):
        r = subprocess.run([cc, *flags, *arch, src, "-o", so, "-lm"], capture_output=True)
        if r.returncode == 0:
            _LIB = ctypes.CDLL(so)
            break
    shutil.rmtree(d, ignore_errors=True)
    return _LIB


def _ptr(t):
    return ctypes.c_void_p(t.data_ptr())


class CScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, delta, x, Bm, Cm, A):
        delta, x, Bm, Cm, A = [t.detach().float().contiguous() for t in (delta, x, Bm, Cm, A)]
        Bn, T, D = delta.shape
        N = A.shape[1]
        y = torch.empty_like(delta)
        _LIB.scan_fwd(Bn, T, D, N, _ptr(delta), _ptr(x), _ptr(Bm), _ptr(Cm), _ptr(A), _ptr(y))
        ctx.save_for_backward(delta, x, Bm, Cm, A)
        return y

    @staticmethod
    def backward(ctx, gy):
        delta, x, Bm, Cm, A = ctx.saved_tensors
        gy = gy.float().contiguous()
        Bn, T, D = delta.shape
        N = A.shape[1]
        gd, gx = torch.empty_like(delta), torch.empty_like(x)
        gB, gC, gA = torch.zeros_like(Bm), torch.zeros_like(Cm), torch.zeros_like(A)
        _LIB.scan_bwd(Bn, T, D, N, _ptr(delta), _ptr(x), _ptr(Bm), _ptr(Cm), _ptr(A), _ptr(gy),
                      _ptr(gd), _ptr(gx), _ptr(gB), _ptr(gC), _ptr(gA))
        return gd, gx, gB, gC, gA


def torch_scan(delta, x, Bm, Cm, A):
    """Same math in plain torch (fallback without a C compiler)."""
    dA = torch.exp(delta.unsqueeze(-1) * A).unbind(1)                 # T x [B,D,N]
    u = ((delta * x).unsqueeze(-1) * Bm.unsqueeze(2)).unbind(1)
    h = torch.zeros_like(u[0])
    ys = []
    for t in range(len(u)):
        h = dA[t] * h + u[t]
        ys.append(h)
    hs = torch.stack(ys, 1)                                           # B,T,D,N
    return (hs * Cm.unsqueeze(2)).sum(-1)


def weightless_rms(x, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


def fast_forward(model, ids, keep=None):
    """Logits [B,T,V] of a FalconMambaForCausalLM: the math of modeling_falcon_mamba.py."""
    cfg = model.config
    bb = model.backbone
    T = ids.shape[1]
    h = bb.embeddings(ids)
    R, N, K = int(cfg.time_step_rank), cfg.state_size, cfg.conv_kernel
    for layer in bb.layers:
        mx = layer.mixer
        x = layer.norm(h)
        xs, z = mx.in_proj(x).chunk(2, dim=-1)
        # causal depthwise conv1d as K shifted products (faster than conv1d's backward here)
        w = mx.conv1d.weight[:, 0, :]                                    # D,K
        xp = F.pad(xs, (0, 0, K - 1, 0))                                 # B,T+K-1,D
        xc = mx.conv1d.bias + sum(xp[:, k:k + T] * w[:, k] for k in range(K))
        xc = F.silu(xc)                                                  # B,T,D
        dt, Bm, Cm = torch.split(mx.x_proj(xc), [R, N, N], dim=-1)
        eps = cfg.mixer_rms_eps
        dt, Bm, Cm = weightless_rms(dt, eps), weightless_rms(Bm, eps), weightless_rms(Cm, eps)
        delta = F.softplus(mx.dt_proj(dt))
        A = -torch.exp(mx.A_log.float())
        scan = CScan.apply if _LIB is not None else torch_scan
        y = scan(delta, xc, Bm, Cm, A)
        y = (y + xc * mx.D) * F.silu(z)
        h = h + mx.out_proj(y)
    h = bb.norm_f(h)
    if keep is not None:       # only the positions that are scored
        h = h[keep]
    return model.lm_head(h)


def make_model(vocab, hidden, layers, seed, tok):
    from transformers import FalconMambaConfig, FalconMambaForCausalLM
    torch.manual_seed(seed)
    cfg = FalconMambaConfig(
        vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers, state_size=16,
        conv_kernel=4, expand=2, intermediate_size=2 * hidden,
        time_step_rank=math.ceil(hidden / 16), layer_norm_epsilon=1e-5, mixer_rms_eps=1e-6,
        use_bias=False, use_conv_bias=True, tie_word_embeddings=True, initializer_range=0.02,
        bos_token_id=tok.token_to_id(EOT), eos_token_id=tok.token_to_id(IM_END),
        pad_token_id=tok.token_to_id(EOT), use_mambapy=False, use_associative_scan=False)
    model = FalconMambaForCausalLM(cfg)
    assert model.lm_head.weight is model.backbone.embeddings.weight
    return model


# --------------------------------------------------------------------------------------
# 4. Greedy decoding and accuracy
# --------------------------------------------------------------------------------------

@torch.no_grad()
def greedy_answers(logits_fn, tok, conversations, max_new=32, hf_model=None, batch=64):
    """Greedy completions of chats (lists of messages, the last one the user's).
    With hf_model, transformers' generate() (recurrent cache) does the decoding, prompts of
    equal length batched; else logits_fn(ids) -> [B,T,V] is run on the whole right-padded
    batch at every step and each row reads the logits at its own last position."""
    stop = [tok.token_to_id(IM_END), tok.token_to_id(EOT)]
    prompts = [tok.encode(render(m, True), add_special_tokens=False).ids for m in conversations]
    out = [None] * len(prompts)
    gens = {}
    if hf_model is not None:
        by_len = {}
        for i, p in enumerate(prompts):
            by_len.setdefault(len(p), []).append(i)
        for L, idx in sorted(by_len.items()):
            seqs = torch.tensor([prompts[i] for i in idx])
            full = hf_model.generate(input_ids=seqs, attention_mask=torch.ones_like(seqs),
                                     max_new_tokens=max_new, do_sample=False,
                                     eos_token_id=stop, pad_token_id=stop[1])
            for j, i in enumerate(idx):
                gens[i] = full[j, L:].tolist()
    else:
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        for s0 in range(0, len(order), batch):
            idx = order[s0:s0 + batch]
            lens = [len(prompts[i]) for i in idx]
            seqs = torch.full((len(idx), max(lens) + max_new), stop[1], dtype=torch.long)
            for j, i in enumerate(idx):
                seqs[j, :lens[j]] = torch.tensor(prompts[i])
            pos = torch.tensor(lens) - 1          # last filled position of each row
            done = torch.zeros(len(idx), dtype=torch.bool)
            rows = torch.arange(len(idx))
            for _ in range(max_new):
                T = int(pos.max()) + 1
                nxt = logits_fn(seqs[:, :T])[rows, pos].argmax(-1)
                nxt = torch.where(done, torch.full_like(nxt, stop[1]), nxt)
                pos = pos + 1
                seqs[rows, pos] = nxt
                done |= (nxt == stop[0]) | (nxt == stop[1])
                if bool(done.all()):
                    break
            for j, i in enumerate(idx):
                gens[i] = seqs[j, lens[j]:int(pos[j]) + 1].tolist()
    for i, g in gens.items():
        cut = min([g.index(t) for t in stop if t in g], default=len(g))
        out[i] = tok.decode(g[:cut], skip_special_tokens=False)
    return out


def accuracy(logits_fn, tok, items, show_errors=0, hf_model=None):
    """Exact-match accuracy per set ("single", "multi", "chip") and per kind of each set."""
    answers = greedy_answers(logits_fn, tok, [it["messages"] for it in items], hf_model=hf_model)
    sets = {}
    errors = []
    for it, g in zip(items, answers):
        ok = g.strip() == it["answer"]
        st = sets.setdefault(it["set"], {"right": 0, "n": 0, "kinds": {}})
        st["right"] += ok
        st["n"] += 1
        c = st["kinds"].setdefault(it["kind"], [0, 0])
        c[0] += ok
        c[1] += 1
        if not ok:
            errors.append((it, g))
    for it, g in errors[:show_errors]:
        print(f"    miss ({it['set']}, {len(it['messages'])} messages): "
              f"{it['messages'][-1]['content']!r} -> {g!r} (want {it['answer']!r})")
    return {k: {"acc": v["right"] / v["n"], "right": v["right"], "n": v["n"],
                "kinds": {kk: c[0] / c[1] for kk, c in v["kinds"].items()}}
            for k, v in sets.items()}


def fmt_sets(res):
    return "; ".join(f"{k} {v['right']}/{v['n']} = {v['acc'] * 100:.1f}% ("
                     + " ".join(f"{kk}={a * 100:.0f}%" for kk, a in v["kinds"].items()) + ")"
                     for k, v in res.items())


# --------------------------------------------------------------------------------------
# 5. Saving and checking
# --------------------------------------------------------------------------------------

def save_folder(out, model, tok, corpus):
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tok.save(os.path.join(out, "tokenizer.json"))
    eot, ims, ime = (tok.token_to_id(t) for t in (EOT, IM_START, IM_END))
    added = {str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                      "single_word": False, "special": True}
             for i, t in ((eot, EOT), (ims, IM_START), (ime, IM_END))}
    tcfg = {
        "add_bos_token": False, "add_eos_token": False, "add_prefix_space": False,
        "added_tokens_decoder": added,
        "bos_token": EOT, "eos_token": IM_END, "pad_token": EOT, "unk_token": None,
        "clean_up_tokenization_spaces": False, "model_max_length": 4096,
        "tokenizer_class": "PreTrainedTokenizerFast", "chat_template": CHAT_TEMPLATE,
    }
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(tcfg, f, indent=2)
        f.write("\n")
    gcfg = {"bos_token_id": eot, "eos_token_id": [ime, eot], "pad_token_id": eot,
            "do_sample": False, "max_new_tokens": 64}
    with open(os.path.join(out, "generation_config.json"), "w") as f:
        json.dump(gcfg, f, indent=2)
        f.write("\n")
    for n in os.listdir(out):   # save_pretrained may leave files owner-only: installable data
        os.chmod(os.path.join(out, n), 0o644)
    with open(os.path.join(out, "eval.jsonl"), "w") as f:
        for it in corpus.items("eval"):
            f.write(json.dumps(it) + "\n")


def load_eval(out):
    items = []
    with open(os.path.join(out, "eval.jsonl")) as f:
        for line in f:
            d = json.loads(line)
            d.setdefault("kind", "?")
            d.setdefault("set", "single")
            items.append(d)
    return items


def check_folder(out, fast_model=None):
    """Reload with transformers; compare logits with our forward; measure eval accuracy."""
    from safetensors import safe_open
    from tokenizers import Tokenizer
    from transformers import FalconMambaForCausalLM
    hf = FalconMambaForCausalLM.from_pretrained(out, dtype=torch.float32).eval()
    with safe_open(os.path.join(out, "model.safetensors"), "pt") as f:
        names = set(f.keys())
    want = {"backbone.embeddings.weight", "backbone.norm_f.weight"}
    for i in range(hf.config.num_hidden_layers):
        want |= {f"backbone.layers.{i}.norm.weight"} | {
            f"backbone.layers.{i}.mixer.{n}" for n in
            ("A_log", "D", "conv1d.weight", "conv1d.bias", "in_proj.weight", "x_proj.weight",
             "dt_proj.weight", "dt_proj.bias", "out_proj.weight")}
    assert names == want, f"unexpected tensor names: {sorted(names ^ want)}"
    tok = Tokenizer.from_file(os.path.join(out, "tokenizer.json"))
    with open(os.path.join(out, "tokenizer_config.json")) as f:
        assert json.load(f)["chat_template"] == CHAT_TEMPLATE
    items = load_eval(out)

    # our forward (on the reloaded weights) against transformers' own forward
    fast_model = fast_model or hf
    probe = [tok.encode(render(it["messages"] + [{"role": "assistant", "content": it["answer"]}],
                               False), add_special_tokens=False).ids for it in items[:8]]
    L = min(len(p) for p in probe)
    ids = torch.tensor([p[:L] for p in probe])
    with torch.no_grad():
        ref = hf(input_ids=ids, use_cache=False).logits
        mine = fast_forward(fast_model, ids)
    diff = (ref - mine).abs().max().item()
    print(f"HF FalconMambaForCausalLM vs training forward: max abs logit diff {diff:.3g} "
          f"(logit scale {ref.abs().max().item():.3g})")
    assert diff < 1e-4, "the training forward pass does not match transformers"

    t0 = time.time()
    res = accuracy(None, tok, items, show_errors=20, hf_model=hf)
    print(f"eval.jsonl ({len(items)} cases, greedy, HF transformers generate): {fmt_sets(res)}  "
          f"[{time.time() - t0:.0f}s]")
    return res, diff


def passes(res):
    """The bar the folder must meet (tests/engine/test_demo_model.cpp asks the same)."""
    return (res["single"]["acc"] >= 0.9 and res["multi"]["acc"] >= 0.95
            and res.get("chip", {"acc": 1})["acc"] == 1)


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------

README = """# Coil demo model

A tiny chat model bundled with Coil so that a fresh install has something to talk to, offline.
It is a FalconMamba-architecture model (`FalconMambaForCausalLM`, `model_type` `falcon_mamba`),
trained from scratch by `tools/train_demo.py` on a synthetic corpus that the script generates
itself. It knows nothing else: it answers simple questions with checkable answers, and answers
the latest question of a chat whatever came before it.

| | |
|---|---|
| architecture | FalconMamba: hidden {hidden}, {layers} layers, d_inner {d_inner}, state {state}, conv {conv}, dt rank {rank}, tied embeddings |
| weights | float32, {n_params:,} parameters, `model.safetensors` {st_size:,} bytes |
| tokenizer | byte-level BPE, {vocab} ids (`<|endoftext|>` {eot}, `<|im_start|>` {ims}, `<|im_end|>` {ime}); pre-tokenizer Digits(individual) then ByteLevel; no BOS added |
| chat format | ChatML: `<|im_start|>user\\n...<|im_end|>\\n<|im_start|>assistant\\n`; generation stops at `<|im_end|>` or `<|endoftext|>` |
| decoding | greedy: `generation_config.json` says `"do_sample": false` (Coil's engine and transformers both honour it) |
| held-out, one question | **{single:.1f}%** exact match on {n_single} questions of `eval.jsonl` ({per_single}) |
| held-out, after 1-5 earlier turns | **{multi:.1f}%** on the same {n_multi} questions asked after 1-{max_turns} earlier turns ({per_multi}) |
| the app's suggestion chips | **{chip:.1f}%** ({chip_right}/{n_chip}): each of the {n_chips} chips alone and after 1-{max_turns} earlier turns |

Scores above: greedy decoding with transformers' `generate()` on this folder, measured by the
script. The same cases through Coil's own engine, tokenizer and template:

<!-- engine-scores -->
{engine}
<!-- /engine-scores -->

## What it can answer

- addition of numbers 0-{add_max} ("What is 7 plus 5?", "7 + 5", "7+5=?" -> "7 plus 5 is 12."),
  subtraction with a non-negative result from numbers up to {sub_max}, the multiplication table 0-{mul_max};
- comparisons of two numbers 0-{cmp_max} ("Which is larger, 42 or 17?" -> "42 is larger than 17.");
- unit conversions by 10, 100 and 1000 (m, cm, mm, km, g, kg, l, ml) of 1-{conv_max} units, both ways,
  with unit names or symbols ("How many centimeters are in 3 meters?", "Convert 3 km to m"
  -> "3 kilometers is 3000 meters.");
- spelling a common short word backwards ("Spell frog backwards." -> "frog backwards is g-o-r-f.");
- a few greetings ("Hello", "Who are you?", "What can you do?", "Thanks").

Each kind has several phrasings ({n_phr} in all); training used some casual variants (lower case, no final
punctuation), a system prompt in 15% of the chats and a leading `<|endoftext|>` in 15%. A
training chat has 1 to {max_chat} turns of mixed kinds (30% have one), and every answer in it is
learnt, so an answer depends only on the latest question. The app's suggestion chips
(`ui/EmptyState.qml`: {chips}) are read from that file: each must be a question of the corpus,
their operands and word always train (never held out), and they are also trained verbatim.

## Held-out evaluation

`eval.jsonl` has one JSON object per line: `messages` (the chat so far, the last message the
user's), `answer`, the exact expected assistant text, `kind` and `set`: `single` (one held-out
question), `multi` (the same held-out questions after 1-{max_turns} earlier turns of trained
questions with their right answers, a system prompt in some) or `chip` (the suggestion chips,
which are trained questions, alone and after earlier turns). None of the held-out questions was
trained on, in any phrasing or context: operand pairs are held out (for addition and comparisons
in both orders), so are the unit conversions (unit pair, value, direction) and the words to spell
backwards (chosen among words whose BPE pieces other training words also use, so that the
spelling of every piece can be learnt). The multiplication table is learnt by heart (all of it
is trained), so it is not part of the evaluation. Accuracy is greedy decoding until `<|im_end|>`
or `<|endoftext|>`, exact string match after stripping surrounding whitespace. A further held-out
set (the dev set, not written out) was used to watch training.

## How it was made

```
{command}
```

{train_desc}

## Licence

Ours: the model, its tokenizer and the evaluation data are part of Coil and are released under
the same licence as the rest of the repository. They contain no third-party data.
"""

ENGINE_PENDING = ("(not measured by this run: build Coil, then `python tools/train_demo.py --eval-only "
                  "--engine-test build/tests/engine/test_demo_model` fills this in)")


def engine_scores(binary):
    """Runs tests/engine/test_demo_model (Coil's engine) and returns its summary lines."""
    r = subprocess.run([binary, "--gtest_filter=DemoModel.*"], capture_output=True, text=True)
    lines = [l for l in r.stdout.splitlines() if l.startswith("demo model")]
    print(r.stdout[-3000:])
    verdict = "passed" if r.returncode == 0 else f"FAILED (exit {r.returncode})"
    return ("`tests/engine/test_demo_model` (greedy, CPU backend) " + verdict + ":\n\n"
            + "\n".join(f"- {l}" for l in lines))


def set_engine_section(out, text):
    path = os.path.join(out, "README.md")
    with open(path) as f:
        readme = f.read()
    a, b = "<!-- engine-scores -->\n", "\n<!-- /engine-scores -->"
    i, j = readme.index(a) + len(a), readme.index(b)
    with open(path, "w") as f:
        f.write(readme[:i] + text + readme[j:])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--steps", type=int, default=4500)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--hidden", type=int, default=160)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=512, help="BPE vocabulary size (upper bound)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--no-ckernel", action="store_true", help="use the plain torch scan")
    ap.add_argument("--init", metavar="DIR",
                    help="start from the tokenizer and weights of a folder this script made with "
                         "the same --seed (its held-out questions must still be held out: checked)")
    ap.add_argument("--eval-only", action="store_true", help="only check an existing --out folder")
    ap.add_argument("--engine-test", metavar="BINARY",
                    help="build/tests/engine/test_demo_model: run it on the folder and put its "
                         "scores (Coil's engine) in the README")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    if not args.no_ckernel and load_scan_kernel() is None:
        print("note: no C compiler, using the (slower) torch scan")

    if args.eval_only:
        res, _ = check_folder(args.out)
        if args.engine_test:
            set_engine_section(args.out, engine_scores(args.engine_test))
        return 0 if passes(res) else 1

    t_start = time.time()
    corpus = Corpus(args.seed, read_chips())
    if args.init:
        # go on from a folder this script made with the same --seed: its tokenizer (so its
        # held-out words are held out here too) and its weights
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(os.path.join(args.init, "tokenizer.json"))
    else:
        tok = train_tokenizer(corpus, args.vocab, args.seed)
    V = tok.get_vocab_size()
    print(f"tokenizer: {V} ids")
    corpus.split_words(tok)

    # the pieces we train on are exactly what tokenizing the rendered template gives
    chk = random.Random(0)
    for _ in range(50):
        msgs = corpus.sample_conversation(chk)
        ids, _ = encode_conversation(tok, msgs, None)
        assert ids == tok.encode(render(msgs, False), add_special_tokens=False).ids, msgs
    lens = [len(encode_conversation(tok, corpus.sample_conversation(chk), chk)[0]) for _ in range(2000)]
    print(f"training chats: {sum(lens) / len(lens):.1f} tokens on average, {max(lens)} at most")

    if args.init:
        from transformers import FalconMambaForCausalLM
        torch.manual_seed(args.seed)
        model = FalconMambaForCausalLM.from_pretrained(args.init, dtype=torch.float32)
        assert model.config.vocab_size == V and model.lm_head.weight is model.backbone.embeddings.weight
        # honest held-out scores: what the init folder held out must not train here
        train_groups = {(k, group_of(k, key)) for k, ks in corpus.train.items() for key in ks}
        for it in load_eval(args.init):
            found = find_question(it["messages"][-1]["content"])
            assert found is not None, it
            kind, key, _ = found
            if it["set"] in ("single", "multi") and (kind, group_of(kind, key)) in train_groups:
                raise SystemExit(f"{args.init}: its held-out question {it['messages'][-1]['content']!r} "
                                 f"would train with --seed {args.seed}")
        print(f"init: {args.init} (hidden {model.config.hidden_size}, "
              f"{model.config.num_hidden_layers} layers)")
    else:
        model = make_model(V, args.hidden, args.layers, args.seed, tok)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: hidden {args.hidden}, {args.layers} layers, {n_params:,} parameters")

    dev = corpus.items("dev")
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "A_log" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "A_log" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98), eps=1e-8)
    warm = min(200, args.steps // 10)

    def lr_at(s):
        if s < warm:
            return args.lr * (s + 1) / warm
        p = (s - warm) / max(1, args.steps - warm)
        return args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p)))

    dev_res = None
    rng = random.Random(args.seed + 2)
    pad = tok.token_to_id(EOT)
    model.train()
    t0 = time.time()
    run_loss, n_tok_seen = 0.0, 0
    pending = []
    for step in range(args.steps):
        if not pending:   # draw 8 batches at once and group chats of similar length
            pool = [encode_conversation(tok, corpus.sample_conversation(rng), rng)
                    for _ in range(8 * args.batch)]
            pool.sort(key=lambda sm: len(sm[0]))
            pending = [pool[i:i + args.batch] for i in range(0, len(pool), args.batch)]
            rng.shuffle(pending)
        seqs = pending.pop()
        T = max(len(s) for s, _ in seqs)
        ids = torch.full((args.batch, T), pad, dtype=torch.long)
        lab = torch.full((args.batch, T), -100, dtype=torch.long)
        for i, (s, m) in enumerate(seqs):
            ids[i, :len(s)] = torch.tensor(s)
            # label at position t is the token t+1 when that token is learned
            for t in range(len(s) - 1):
                if m[t + 1]:
                    lab[i, t] = s[t + 1]
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        keep = lab != -100
        logits = fast_forward(model, ids, keep)
        loss = F.cross_entropy(logits, lab[keep])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        run_loss += loss.item()
        n_tok_seen += ids.numel()
        if (step + 1) % 100 == 0:
            print(f"step {step + 1:5d}  loss {run_loss / 100:.4f}  lr {lr_at(step):.2e}  "
                  f"T {T}  {time.time() - t0:.0f}s", flush=True)
            run_loss = 0.0
        if args.eval_every and ((step + 1) % args.eval_every == 0 or step + 1 == args.steps):
            model.eval()
            dev_res = accuracy(lambda s: fast_forward(model, s), tok, dev)
            model.train()
            print(f"  dev: {fmt_sets(dev_res)}", flush=True)
    train_s = time.time() - t0
    model.eval()
    print(f"training: {args.steps} steps in {train_s:.0f}s")

    save_folder(args.out, model, tok, corpus)
    res, diff = check_folder(args.out, fast_model=model)
    total_s = time.time() - t_start

    st_size = os.path.getsize(os.path.join(args.out, "model.safetensors"))
    cmd = "python tools/train_demo.py" + "".join(
        f" --{k.replace('_', '-')} {v}" for k, v in vars(args).items()
        if k not in ("out", "eval_only", "no_ckernel", "engine_test") and v != ap.get_default(k))
    cfg = model.config
    init_desc = ""
    if args.init:
        init_desc = (f"Started from the tokenizer and weights of `{args.init}` (`--init`) as it was before "
                     f"this run: the previous demo model, trained from scratch by an earlier version of "
                     f"this script (same seed and held-out split; one- and two-turn chats, 4500 steps; "
                     f"see this README's git history). The held-out questions of that folder are "
                     f"checked to be held out here too. ")
    desc = init_desc + (f"Seed {args.seed}; {args.steps} AdamW steps of {args.batch} chats (loss on the assistant "
            f"tokens and their `<|im_end|>` only), peak learning rate {args.lr}, cosine schedule; "
            f"{args.threads} CPU thread(s), {train_s / 60:.1f} minutes of training "
            f"({total_s / 60:.1f} minutes in all; wall time on a 2-core machine shared with other "
            f"jobs, load average {os.getloadavg()[1]:.1f}). "
            + (f"Greedy accuracy on the dev set (other held-out questions, used only to watch "
               f"training): {fmt_sets(dev_res)}. " if dev_res is not None else "")
            + f"The forward pass used for training is checked "
            f"against transformers' FalconMambaForCausalLM loaded from this folder "
            f"(max abs logit difference {diff:.2g}). Tools: torch {torch.__version__}, "
            f"see `tools/requirements-demo.txt`. Re-check this folder with "
            f"`python tools/train_demo.py --eval-only`.")

    def per(k):
        return ", ".join(f"{kk} {a * 100:.0f}%" for kk, a in res[k]["kinds"].items())

    n_phr = sum(N_PHRASINGS[k] for k in N_PHRASINGS if k != "chat")
    readme = README.format(
        hidden=cfg.hidden_size, layers=cfg.num_hidden_layers, d_inner=cfg.intermediate_size,
        state=cfg.state_size, conv=cfg.conv_kernel, rank=cfg.time_step_rank, n_params=n_params,
        st_size=st_size, vocab=V, eot=tok.token_to_id(EOT), ims=tok.token_to_id(IM_START),
        ime=tok.token_to_id(IM_END),
        single=res["single"]["acc"] * 100, n_single=res["single"]["n"], per_single=per("single"),
        multi=res["multi"]["acc"] * 100, n_multi=res["multi"]["n"], per_multi=per("multi"),
        chip=res["chip"]["acc"] * 100, chip_right=res["chip"]["right"], n_chip=res["chip"]["n"],
        n_chips=len(corpus.chips), max_turns=MAX_EARLIER_TURNS, max_chat=MAX_EARLIER_TURNS + 1,
        chips=", ".join(f'"{q}"' for _, _, q, _ in corpus.chips), n_phr=n_phr,
        engine=ENGINE_PENDING,
        add_max=ADD_MAX, sub_max=SUB_MAX, mul_max=MUL_MAX, cmp_max=CMP_MAX, conv_max=CONV_MAX,
        command=cmd, train_desc=desc)
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(readme)
    if args.engine_test:
        set_engine_section(args.out, engine_scores(args.engine_test))
    size = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out))
    print(f"wrote {args.out} ({size / 1e6:.2f} MB); total {total_s:.0f}s; {fmt_sets(res)}")
    return 0 if passes(res) else 1


if __name__ == "__main__":
    sys.exit(main())
