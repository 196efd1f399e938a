"""`coil serve` driven by the official `openai` Python client (and, where the client would
hide what is sent, by plain HTTP): the real server binary on 127.0.0.1, port 0, with the bundled
demo model.

Environment: COIL_CLI (the coil binary), COIL_DEMO_MODEL (resources/models/coil-demo).
Run by ctest through tests/server/run_openai_tests.sh, with the venv that
tools/install-test-python.sh makes under the build folder.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

try:
    import openai
except ImportError:  # the wrapper script checks first; this is for a direct run
    sys.exit("the openai Python package is missing: run tools/install-test-python.sh BUILD_DIR")

COIL = os.environ["COIL_CLI"]
MODEL = os.environ["COIL_DEMO_MODEL"]

with open(os.path.join(MODEL, "eval.jsonl")) as f:
    QUESTIONS = [json.loads(line)["messages"][0]["content"] for line in f if line.strip()]


class Server:
    """A `coil serve` process on 127.0.0.1, an OS-chosen port."""

    def __init__(self, *extra, model=MODEL):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [COIL, "serve", "--model", model, "--backend", "cpu", "--threads", "1", "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if not m:
            self.proc.kill()
            self.log.seek(0)
            raise RuntimeError(f"coil serve did not start: {line!r} {self.log.read()}")
        self.port = int(m.group(1))
        self.base = f"http://127.0.0.1:{self.port}"
        print(f"coil serve {' '.join(extra)} listening on port {self.port}", file=sys.stderr)

    def client(self, key="unused"):
        return openai.OpenAI(base_url=self.base + "/v1", api_key=key, max_retries=0, timeout=120)

    def http(self, method, path, body=None, headers=None):
        """(status, parsed JSON or text) of a raw request."""
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        text = raw.decode("utf-8")  # strict: every answer is valid UTF-8
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def metrics(self):
        status, text = self.http("GET", "/metrics")
        assert status == 200, text
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def stderr(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        self.proc.stdout.close()
        log = self.stderr()
        self.log.close()
        assert code == 0, f"coil serve exited {code}: {log}"


def chat(client, messages, **kw):
    kw.setdefault("temperature", 0)
    return client.chat.completions.create(model="coil-demo", messages=messages, **kw)


def wait_until(predicate, what, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class OpenAIClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--max-completion-tokens", "100000", "--max-prompt-tokens", "4000")
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_models_lists_the_one_model(self):
        models = self.client.models.list().data
        self.assertEqual([m.id for m in models], ["coil-demo"])
        self.assertEqual(self.client.models.retrieve("coil-demo").id, "coil-demo")
        with self.assertRaises(openai.NotFoundError):
            self.client.models.retrieve("gpt-4")

    def test_chat_answers_and_streams_the_same_text(self):
        msgs = [{"role": "user", "content": "What is 7 plus 5?"}]
        r = chat(self.client, msgs)
        self.assertEqual(r.object, "chat.completion")
        self.assertEqual(r.choices[0].message.role, "assistant")
        self.assertEqual(r.choices[0].message.content, "7 plus 5 is 12.")
        self.assertEqual(r.choices[0].finish_reason, "stop")
        self.assertGreater(r.usage.prompt_tokens, 5)
        self.assertEqual(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens)
        self.assertIsNotNone(r.usage.prompt_tokens_details.cached_tokens)

        stream = chat(self.client, msgs, stream=True, stream_options={"include_usage": True})
        chunks = list(stream)
        self.assertEqual(chunks[0].choices[0].delta.role, "assistant")
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        self.assertEqual(text, r.choices[0].message.content)
        finish = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
        self.assertEqual(finish, ["stop"])
        self.assertEqual(chunks[-1].choices, [])  # the usage chunk comes last
        self.assertEqual(chunks[-1].usage.prompt_tokens, r.usage.prompt_tokens)
        self.assertEqual(chunks[-1].usage.completion_tokens, r.usage.completion_tokens)

    def test_stream_without_usage_has_none_and_ends_with_done(self):
        body = {"model": "x", "stream": True, "temperature": 0,
                "messages": [{"role": "user", "content": "Spell frog backwards."}]}
        req = urllib.request.Request(self.server.base + "/v1/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            self.assertTrue(r.headers["Content-Type"].startswith("text/event-stream"))
            raw = r.read().decode("utf-8")
        events = [e for e in raw.split("\n\n") if e]
        self.assertTrue(all(e.startswith("data: ") for e in events), raw)
        self.assertEqual(events[-1], "data: [DONE]")
        for e in events[:-1]:
            self.assertNotIn("usage", json.loads(e[6:]))

    def test_completions_take_a_raw_prompt(self):
        prompt = "<|im_start|>user\nWhat is 3 plus 4?<|im_end|>\n<|im_start|>assistant\n"
        r = self.client.completions.create(model="coil-demo", prompt=prompt, temperature=0)
        self.assertEqual(r.object, "text_completion")
        self.assertEqual(r.choices[0].text, "3 plus 4 is 7.")
        self.assertEqual(r.choices[0].finish_reason, "stop")
        streamed = "".join(c.choices[0].text for c in
                           self.client.completions.create(model="coil-demo", prompt=prompt, temperature=0,
                                                          stream=True) if c.choices)
        self.assertEqual(streamed, r.choices[0].text)

    def test_stop_strings_end_the_answer_before_them(self):
        msgs = [{"role": "user", "content": "What is 7 plus 5?"}]  # "7 plus 5 is 12."
        r = chat(self.client, msgs, stop=" is")
        self.assertEqual(r.choices[0].message.content, "7 plus 5")
        self.assertEqual(r.choices[0].finish_reason, "stop")
        r = chat(self.client, msgs, stop=["12", "plus"])
        self.assertEqual(r.choices[0].message.content, "7 ")
        text = "".join(c.choices[0].delta.content or "" for c in chat(self.client, msgs, stop=["5 is"], stream=True)
                       if c.choices)
        self.assertEqual(text, "7 plus ")

    def test_an_answer_cut_by_a_stop_string_still_lets_the_next_turn_resume(self):
        def count(text):
            return len(subprocess.run([COIL, "tokenize", "--tokenizer", MODEL, "--special", "--text", text],
                                      capture_output=True, text=True, check=True).stdout.split())
        for a, b, stream in ((9, 4, False), (8, 3, True)):
            with self.subTest(stream=stream):
                before = self.server.metrics()["coil_follow_up_prefill_tokens_total"]
                question = [{"role": "user", "content": f"What is {a} plus {b}?"}]
                r = chat(self.client, question, stop=" is", stream=stream)
                answer = "".join(c.choices[0].delta.content or "" for c in r if c.choices) if stream \
                    else r.choices[0].message.content
                self.assertEqual(answer, f"{a} plus {b}")
                # the next turn starts with the conversation as the client sends it back, the cut
                # answer included: all of it is reused, up to where the new user message begins
                rendered = (f"<|im_start|>user\nWhat is {a} plus {b}?<|im_end|>\n"
                            f"<|im_start|>assistant\n{a} plus {b}<|im_end|>\n")
                history = question + [{"role": "assistant", "content": answer}, {"role": "user", "content": "Hello"}]
                r2 = chat(self.client, history)
                self.assertGreaterEqual(r2.usage.prompt_tokens_details.cached_tokens, count(rendered))
                self.assertLessEqual(r2.usage.prompt_tokens_details.cached_tokens,
                                     count(rendered + "<|im_start|>user\n"))
                self.assertGreater(self.server.metrics()["coil_follow_up_prefill_tokens_total"], before)

    def test_max_tokens_ends_with_length(self):
        msgs = [{"role": "user", "content": "What is 7 plus 5?"}]
        for field in ("max_tokens", "max_completion_tokens"):
            r = chat(self.client, msgs, **{field: 2})
            self.assertEqual(r.choices[0].finish_reason, "length")
            self.assertEqual(r.usage.completion_tokens, 2)

    def test_same_seed_gives_the_same_text(self):
        def sample(seed):
            r = self.client.completions.create(model="coil-demo", prompt="The", temperature=1.5, seed=seed,
                                               max_tokens=40, extra_body={"ignore_eos": True})
            return r.choices[0].text
        first = sample(1234)
        self.assertEqual(sample(1234), first)
        self.assertEqual(sample(0), sample(0))
        self.assertTrue(any(sample(s) != first for s in (1, 2, 3)), "other seeds all gave the same text")
        # top_k / min_p extensions: top_k 1 is greedy whatever the seed
        greedy = {self.client.completions.create(model="coil-demo", prompt="The", temperature=1.5, seed=s,
                                                 max_tokens=20, extra_body={"top_k": 1, "ignore_eos": True})
                  .choices[0].text for s in (1, 2, 3)}
        self.assertEqual(len(greedy), 1)

    def test_bad_requests_are_refused_with_openai_errors(self):
        msgs = [{"role": "user", "content": "hi"}]
        cases = [
            (dict(messages=msgs, n=2), "n"),
            (dict(messages=msgs, temperature="hot"), "temperature"),
            (dict(messages=msgs, temperature=7), "temperature"),
            (dict(messages=msgs, max_tokens=0), "max_tokens"),
            (dict(messages=msgs, max_tokens=1.5), "max_tokens"),
            (dict(messages=msgs, stop=[1, 2]), "stop"),
            (dict(messages=msgs, seed="x"), "seed"),
            (dict(messages=msgs, stream="yes"), "stream"),
            (dict(messages=[{"role": "robot", "content": "hi"}]), "messages[0].role"),
            (dict(messages=[{"role": "user", "content": 5}]), "messages[0].content"),
            (dict(messages=[]), "messages"),
            (dict(messages=[{"role": "user", "content": "x " * 5000}]), "messages"),  # > --max-prompt-tokens
        ]
        for body, param in cases:
            with self.subTest(param=param, body=str(body)[:80]):
                with self.assertRaises(openai.BadRequestError) as cm:
                    self.client.chat.completions.create(model="coil-demo", **body)
                self.assertEqual(cm.exception.status_code, 400)
                err = cm.exception.body
                self.assertEqual(err["param"], param)
                self.assertEqual(err["type"], "invalid_request_error")
                self.assertTrue(err["message"])
        with self.assertRaises(openai.BadRequestError) as cm:
            chat(self.client, [{"role": "user", "content": "x " * 5000}])
        self.assertEqual(cm.exception.body["code"], "context_length_exceeded")

    def test_bad_bodies_over_plain_http(self):
        status, body = self.server.http("POST", "/v1/chat/completions", b'{"messages": [')
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["code"], "invalid_json")
        status, body = self.server.http("POST", "/v1/chat/completions", b'{"messages": "\xff\xfe"}')
        self.assertEqual(status, 400)  # invalid UTF-8 in the body; the error itself is valid UTF-8
        status, body = self.server.http("POST", "/v1/chat/completions", b"[" * 100000 + b"]" * 100000)
        self.assertEqual((status, body["error"]["code"]), (400, "json_too_deep"))
        status, body = self.server.http("POST", "/v1/chat/completions", b"[]")
        self.assertEqual((status, body["error"]["code"]), (400, "invalid_json"))
        status, body = self.server.http("POST", "/v1/chat/completions", b"x" * (9 << 20))
        self.assertEqual((status, body["error"]["code"]), (413, "request_too_large"))
        status, body = self.server.http("GET", "/v1/nothing")
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"))

    def test_a_client_gone_mid_stream_cancels_at_once_and_the_cache_stays_right(self):
        before = self.server.metrics()
        prompt = "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"
        stream = self.client.completions.create(model="coil-demo", prompt=prompt, temperature=0, stream=True,
                                                max_tokens=100000, extra_body={"ignore_eos": True})
        for i, _ in enumerate(stream):
            if i == 5:
                break
        stream.close()
        wait_until(lambda: self.server.metrics()["coil_requests_cancelled_total"] ==
                   before["coil_requests_cancelled_total"] + 1, "the cancellation")
        after = self.server.metrics()
        self.assertEqual(after["coil_requests_running"], 0)
        self.assertLess(after["coil_completion_tokens_total"] - before["coil_completion_tokens_total"], 100000)
        # the states the cancelled request left behind give the same text as a fresh start
        r = self.client.completions.create(model="coil-demo", prompt=prompt, temperature=0, max_tokens=30,
                                           extra_body={"ignore_eos": True})
        fresh = Server("--state-cache-mib", "0")
        try:
            expected = fresh.client().completions.create(model="coil-demo", prompt=prompt, temperature=0,
                                                         max_tokens=30, extra_body={"ignore_eos": True})
        finally:
            fresh.stop()
        self.assertGreater(r.usage.prompt_tokens_details.cached_tokens, 0)
        self.assertEqual(r.choices[0].text, expected.choices[0].text)

    def test_concurrent_clients_are_queued_and_all_answered(self):
        questions = QUESTIONS[:6]
        expected = [chat(self.client, [{"role": "user", "content": q}], seed=7, temperature=0.8)
                    .choices[0].message.content for q in questions]
        results = [None] * len(questions)

        def ask(i):
            results[i] = chat(self.server.client(), [{"role": "user", "content": questions[i]}], seed=7,
                              temperature=0.8).choices[0].message.content
        threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(questions))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, expected)


class Conversation(unittest.TestCase):
    """A 20-turn chat resent in full each turn, as clients do."""

    def converse(self, server, turns=20):
        client = server.client()
        messages, replies = [], []
        for q in QUESTIONS[:turns]:
            messages.append({"role": "user", "content": q})
            r = chat(client, messages)
            messages.append({"role": "assistant", "content": r.choices[0].message.content})
            replies.append(r)
        return replies

    def test_later_turns_reuse_the_whole_earlier_conversation(self):
        server = Server()
        try:
            before = server.metrics()
            replies = self.converse(server)
            after = server.metrics()
        finally:
            server.stop()
        self.assertEqual(replies[0].usage.prompt_tokens_details.cached_tokens, 0)
        for k in range(1, len(replies)):
            prev, cur = replies[k - 1], replies[k]
            with self.subTest(turn=k + 1):
                self.assertEqual(prev.choices[0].finish_reason, "stop")
                # the previous prompt, its answer and the end-of-turn token that closed it
                self.assertEqual(cur.usage.prompt_tokens_details.cached_tokens,
                                 prev.usage.prompt_tokens + prev.usage.completion_tokens + 1)
        saved = sum(r.usage.prompt_tokens_details.cached_tokens for r in replies)
        self.assertEqual(after["coil_prefill_tokens_saved_total"] - before["coil_prefill_tokens_saved_total"], saved)
        self.assertEqual(after["coil_state_cache_hits_total"] - before["coil_state_cache_hits_total"],
                         len(replies) - 1)

        # the same conversation without the cache: the same text, nothing reused
        off = Server("--state-cache-mib", "0")
        try:
            uncached = self.converse(off)
        finally:
            off.stop()
        self.assertEqual([r.choices[0].message.content for r in uncached],
                         [r.choices[0].message.content for r in replies])
        self.assertTrue(all(r.usage.prompt_tokens_details.cached_tokens == 0 for r in uncached))

    def test_the_cache_folder_survives_a_restart_and_corrupt_files_are_ignored(self):
        with tempfile.TemporaryDirectory() as d:
            server = Server("--state-cache-dir", d)
            try:
                first = self.converse(server, turns=3)
            finally:
                server.stop()
            states = sorted(f for f in os.listdir(d) if f.endswith(".coilstate"))
            self.assertGreaterEqual(len(states), 3)
            # a damaged state (a copy of a real one with a flipped byte) is ignored with a note
            victim = os.path.join(d, "0123456789abcdef.coilstate")
            with open(os.path.join(d, states[0]), "rb") as f:
                data = bytearray(f.read())
            data[100] ^= 0xFF
            with open(victim, "wb") as f:
                f.write(data)
            server = Server("--state-cache-dir", d, "--state-cache-mib", "0")
            try:
                self.assertIn("ignoring " + victim, server.stderr())
                again = self.converse(server, turns=3)
            finally:
                server.stop()
            self.assertEqual([r.choices[0].message.content for r in again],
                             [r.choices[0].message.content for r in first])
            # every prompt was seen before the restart: all but its last token come from the folder
            for r in again:
                self.assertEqual(r.usage.prompt_tokens_details.cached_tokens, r.usage.prompt_tokens - 1)


class GgufModel(unittest.TestCase):
    def test_a_gguf_file_is_served_too(self):
        with tempfile.TemporaryDirectory() as d:
            gguf = os.path.join(d, "demo-q8_0.gguf")
            subprocess.run([COIL, "quantize", "--model", MODEL, "--type", "q8_0", "--out", gguf],
                           check=True, capture_output=True)
            server = Server(model=gguf)
            try:
                client = server.client()
                self.assertEqual([m.id for m in client.models.list().data], ["demo-q8_0"])
                r = chat(client, [{"role": "user", "content": "What is 7 plus 5?"}])
                self.assertEqual(r.choices[0].message.content, "7 plus 5 is 12.")
            finally:
                server.stop()


class Refusals(unittest.TestCase):
    def test_api_key(self):
        server = Server("--api-key", "sekrit")
        try:
            with self.assertRaises(openai.AuthenticationError) as cm:
                server.client("wrong").models.list()
            self.assertEqual(cm.exception.status_code, 401)
            self.assertEqual(cm.exception.body["code"], "invalid_api_key")
            with self.assertRaises(openai.AuthenticationError):
                chat(server.client("wrong"), [{"role": "user", "content": "hi"}])
            self.assertEqual(server.http("GET", "/metrics")[0], 401)
            self.assertEqual(server.http("GET", "/health")[0], 200)
            self.assertEqual([m.id for m in server.client("sekrit").models.list().data], ["coil-demo"])
        finally:
            server.stop()

    def test_a_full_queue_answers_429(self):
        server = Server("--max-queue", "1", "--max-completion-tokens", "100000")
        try:
            client = server.client()
            long_run = client.completions.create(model="coil-demo", prompt="The", stream=True, max_tokens=100000,
                                                 extra_body={"ignore_eos": True})
            next(iter(long_run))  # running
            waiting = threading.Thread(target=lambda: chat(server.client(), [{"role": "user", "content": "hi"}]))
            waiting.start()
            wait_until(lambda: server.metrics()["coil_queue_length"] == 1, "the queued request")
            with self.assertRaises(openai.RateLimitError) as cm:
                chat(client, [{"role": "user", "content": "hi"}])
            self.assertEqual(cm.exception.status_code, 429)
            self.assertEqual(cm.exception.body["code"], "queue_full")
            long_run.close()
            waiting.join()
            self.assertEqual(server.metrics()["coil_requests_rejected_queue_full_total"], 1)
        finally:
            server.stop()

    def test_non_loopback_needs_a_flag_and_a_key(self):
        r = subprocess.run([COIL, "serve", "--model", MODEL, "--host", "0.0.0.0", "--port", "0"],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--allow-remote", r.stderr)
        r = subprocess.run([COIL, "serve", "--model", MODEL, "--host", "0.0.0.0", "--port", "0", "--allow-remote"],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("API key", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
