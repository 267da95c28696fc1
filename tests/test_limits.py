"""What one visitor can make the server keep or wait for, probed over real HTTP on loopback.

One page is served in this process (so its sessions can be weighed); the start-up log and the
resident memory of `python app.py` in a subprocess, as a Space runs it, are checked in
tests/test_app_e2e.py. Every loop of requests here is bounded in count and time.
"""

from __future__ import annotations

import json
import re
import socket
import time
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from conftest import Server, owned_bytes, queue_call, serve, shared_with_the_page, sync_dependency

from bot import guard
from bot.config import REPO_ROOT, Settings
from bot.ui import limits, render_answer

MiB = 1024 * 1024
PAGE = Settings.for_repo(REPO_ROOT)  # the page's limits


@dataclass
class Served:
    url: str
    demo: object
    config: dict

    def dependency(self, api_name: str) -> dict:
        return next(d for d in self.config["dependencies"] if d.get("api_name") == api_name)

    def component_type(self, component_id: int) -> str:
        return next(c["type"] for c in self.config["components"] if c["id"] == component_id)


@pytest.fixture(scope="module")
def served(shipped_page: Server) -> Served:
    """The shipped page (these tests weigh only sessions they made)."""
    config = httpx.get(f"{shipped_page.url}config", timeout=30, verify=False).json()  # plain HTTP on loopback
    return Served(shipped_page.url, shipped_page.demo, config)


# --- Weighing a session ----------------------------------------------------------------------------


def _hostile_payload(served: Served, dependency: dict, shape: str) -> list:
    """The biggest values a client may send for each input of one function, in one of three shapes."""
    room = PAGE.max_body_bytes // 2  # well under the body cap, so the request is taken in
    shapes = {
        "long-messages": [{"role": role, "content": [{"type": "text", "text": "𝔵" * (room // 8)}]}
                          for role in ("user", "assistant")],
        "many-messages": [{"role": "assistant", "content": [{"type": "text", "text": "x"}]}] * 2000,
        "long-text": [{"role": "user", "content": [{"type": "text", "text": "x" * (room // 2)}]}],
        "many-full-messages": [{"role": "assistant", "content": [{"type": "text", "text": "x" * 250}],
                                "metadata": {"title": "t" * 60}}] * 500,
    }
    values = []
    for component_id in dependency["inputs"]:
        kind = served.component_type(component_id)
        values.append(shapes[shape] if kind == "chatbot" else "𝔵" * (room // 8) if kind == "textbox" else None)
    return values


def test_no_session_keeps_more_than_the_stated_bound_whatever_it_sends(served: Served) -> None:
    # Every function the page has, called through the queue as the page calls them, with the
    # largest inputs the server takes in: what each session keeps is weighed object by object.
    dependencies = [d for d in served.config["dependencies"] if d.get("backend_fn")]
    sessions = {shape: f"weigh-{shape}" for shape in ("long-messages", "many-messages", "long-text",
                                                                  "many-full-messages")}
    started = time.monotonic()
    for shape, session in sessions.items():
        for dependency in dependencies:
            targets = dependency.get("targets") or [[None]]
            queue_call(served.url, dependency["id"], _hostile_payload(served, dependency, shape), session,
                       trigger_id=targets[0][0], event_data={"index": 1, "value": "x", "liked": True}, timeout=30)
        assert time.monotonic() - started < 240, "bounded in time"
    shared = shared_with_the_page(served.demo)
    weights = {shape: owned_bytes(served.demo.state_holder.session_data[s], shared) for shape, s in sessions.items()}
    assert max(weights.values()) <= limits.SESSION_BYTES, weights


def test_the_feedback_ledger_of_a_session_stays_within_its_bound(served: Served) -> None:
    chat = served.dependency("chat")
    question = "𝔵" * 999 + " [x](https://evil.example) why?"
    for i in range(14):  # more answers than the ledger keeps
        status, result = queue_call(served.url, chat["id"], [f"{i} {question}", None], "ledger-weigh")
        assert status == 200 and result["success"], result
    on_like = next(f for f in served.demo.fns.values() if f.name == "on_like")
    ledger = next(c.cell_contents for c in on_like.fn.__closure__ if type(c.cell_contents).__name__ == "AnswerLedger")
    weight = owned_bytes(ledger._sessions["ledger-weigh"], set())
    assert weight <= limits.LEDGER_BYTES, weight


def test_the_server_keeps_at_most_the_stated_number_of_sessions(served: Served) -> None:
    assert served.demo.state_holder.capacity == PAGE.session_capacity


def test_the_operating_guide_states_the_worst_case_memory_that_the_limits_add_up_to() -> None:
    readme = (REPO_ROOT / "docs" / "operating.md").read_text(encoding="utf-8")
    stated = re.search(r"at most \*\*(\d+) MB\*\* of server memory", readme)
    assert stated, "docs/operating.md states the worst case"
    assert int(stated.group(1)) == round(limits.worst_case_bytes(PAGE) / 1e6)
    assert f"{PAGE.session_capacity:,} sessions" in readme or f"{PAGE.session_capacity} sessions" in readme
    worst_case = readme[readme.index("**The worst case, every route counted**"):]
    for part, size in limits.worst_case_parts(PAGE).items():
        assert f"= {round(size / 1e6)} MB" in worst_case, f"the {part} part of the worst case is not stated"


@pytest.mark.parametrize("size", [PAGE.max_body_bytes + 1, 100 * MiB], ids=["just-over", "100-MB"])
def test_a_request_body_over_the_cap_is_refused_with_413(served: Served, size: int) -> None:
    # The 100 MB one is refused from its Content-Length, before the body is read.
    with socket.create_connection(("127.0.0.1", int(served.url.rsplit(":", 1)[1].strip("/"))), timeout=10) as sock:
        sock.sendall(f"POST /gradio_api/queue/join HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {size}\r\n\r\n".encode() + b"{" * min(size, 64 * 1024))
        reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]


def test_a_long_question_is_cut_before_gradio_keeps_it(served: Served) -> None:
    chat = served.dependency("chat")
    status, result = queue_call(served.url, chat["id"], ["Does ice help? " + "x" * 100_000, None], "long-question")
    assert status == 200 and result["success"]
    textbox = chat["inputs"][0]
    kept = served.demo.state_holder.session_data["long-question"].config_values[textbox]["props"]["value"]
    assert len(kept) <= PAGE.max_input_chars


# --- Only documented endpoints take calls ------------------------------------------------------------


def test_every_function_is_documented_or_refuses_calls_outside_the_pages_own_flow(served: Served) -> None:
    info = httpx.get(f"{served.url}gradio_api/info", timeout=30, verify=False).json()
    documented = {name.strip("/") for name in info["named_endpoints"]}
    assert documented == {"chat", "search"}
    with httpx.Client(base_url=served.url, timeout=30, verify=False) as http:
        for dependency in served.config["dependencies"]:
            name = dependency.get("api_name")
            assert dependency["queue"] is True, (dependency["id"], name)  # never a direct POST
            # The direct route, by number: refused for every function.
            reply = http.post("gradio_api/run/predict", json={"data": [], "fn_index": dependency["id"],
                                                               "session_hash": "direct"})
            assert reply.status_code == 404, (dependency["id"], name, reply.text[:200])
            if name and name not in documented:
                # By name: only the documented endpoints.
                for route in (f"gradio_api/call/{name}", f"gradio_api/call/v2/{name}", f"gradio_api/run/{name}"):
                    reply = http.post(route, json={"data": []})
                    assert reply.status_code == 404, (route, reply.status_code, reply.text[:200])
            if name in documented:
                assert dependency["api_visibility"] == "public"
            else:
                assert dependency["api_visibility"] in ("private", "undocumented"), (dependency["id"], name)


def test_garbage_sent_to_the_pages_internal_functions_leaves_no_traceback(served: Served, capfd) -> None:
    capfd.readouterr()
    internal = [d for d in served.config["dependencies"]
                if d.get("backend_fn") and d["api_visibility"] == "undocumented"]
    for dependency in internal:
        targets = dependency.get("targets") or [[None]]
        for data, event_data in (([7] * len(dependency["inputs"]), "x"), ([None] * len(dependency["inputs"]), [1])):
            status, result = queue_call(served.url, dependency["id"], data, "garbage", trigger_id=targets[0][0],
                                        event_data=event_data, timeout=30)
            assert status == 200, result
            if not result["success"]:
                assert "Reload the page" in (result["output"].get("error") or ""), (dependency["api_name"], result)
    err = capfd.readouterr().err
    assert "Traceback" not in err, err[-3000:]


@pytest.mark.parametrize("fn_index", [10_000, -1, "0", 1.5, None], ids=["unknown", "negative", "string", "float",
                                                                      "missing"])
def test_a_call_naming_no_function_gets_4xx_and_no_traceback(served: Served, capfd, fn_index: object) -> None:
    capfd.readouterr()
    reply = httpx.post(f"{served.url}gradio_api/queue/join", timeout=30, verify=False,
                       json={"data": [], "fn_index": fn_index, "session_hash": "no-such-function"})
    assert 400 <= reply.status_code < 500, reply.text[:300]
    assert "Traceback" not in capfd.readouterr().err


def test_a_bad_upload_gets_4xx_and_no_traceback(served: Served, capfd) -> None:
    capfd.readouterr()
    for body, content_type in [(b"--b\r\nContent-Disposition: form-data; name=\"files\"\r\n\r\nx\r\n--b--\r\n",
                                "multipart/form-data; boundary=b"),
                               (b"not multipart", "multipart/form-data"), (b"", "text/plain")]:
        reply = httpx.post(f"{served.url}gradio_api/upload", content=body, headers={"Content-Type": content_type},
                           timeout=30, verify=False)
        assert 400 <= reply.status_code < 500, reply.text[:300]
    assert "Traceback" not in capfd.readouterr().err


# --- Deep links -----------------------------------------------------------------------------------------


def test_deep_links_cannot_be_made_so_a_forged_chat_cannot_be_shared(served: Served) -> None:
    # The internal function that copies the chat into the session, called with a made-up chat.
    sync = sync_dependency(served.config)
    forged = [{"role": "assistant", "content": [{"type": "text", "text": "FORGED [win](https://evil.example)"}]}]
    queue_call(served.url, sync["id"], [forged], "deep-link-forger")
    upload_dir = Path(served.demo.app.uploaded_file_dir) / "deep_links"
    before = set(upload_dir.glob("*")) if upload_dir.exists() else set()
    reply = httpx.get(f"{served.url}gradio_api/deep_link", params={"session_hash": "deep-link-forger"}, timeout=30,
                      verify=False)
    assert reply.status_code == 404
    after = set(upload_dir.glob("*")) if upload_dir.exists() else set()
    assert after == before, "nothing written"


def test_a_deep_link_made_before_they_were_closed_does_not_open(served: Served) -> None:
    # What Gradio wrote for a forged link before this page closed the route: the file is still there.
    forged = next(c for c in served.config["components"] if c["type"] == "chatbot")
    forged = {**forged, "props": {**forged["props"], "value": [{"role": "assistant", "content": "FORGED-7c1e"}]}}
    link = "forgedlink7c1e"
    folder = Path(served.demo.app.uploaded_file_dir) / "deep_links" / link
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "state.json").write_text(json.dumps([forged]))
    try:
        for path in ("config", ""):
            reply = httpx.get(f"{served.url}{path}", params={"deep_link": link}, timeout=30, verify=False)
            assert reply.status_code == 200 and "FORGED-7c1e" not in reply.text, path
    finally:
        (folder / "state.json").unlink()
        folder.rmdir()


# --- The follow-up note -----------------------------------------------------------------------------------


def test_the_follow_up_note_shows_the_earlier_question_inert(served: Served) -> None:
    chat = served.dependency("chat")
    hostile = ("What causes back spasms? [click](https://evil.example) ![p](https://evil.example/p.png) "
               "<https://evil.example> \u202eevil\u200b\x00")
    queue_call(served.url, chat["id"], [hostile, None], "follow-up-note")
    status, result = queue_call(served.url, chat["id"], ["and how is it treated?", None], "follow-up-note")
    assert status == 200 and result["success"], result
    text = "\n".join(m["content"] for m in result["output"]["data"][0] if isinstance(m.get("content"), str))
    note = next(line for line in text.splitlines() if "follow-up" in line)
    assert "evil.example" in note, "the earlier question is still shown"
    assert "](" not in note and "[" not in note and "<https" not in note, note
    assert not set(note) & {"\u202e", "\u200b", "\x00"}, note
    assert note.startswith('<div class="note">')


def test_a_rendered_note_is_inert_however_it_got_there(repo_bot) -> None:
    answer = repo_bot.ask("Does ice help?")
    note = "Read as a follow-up to “![x](https://evil.example/p.png) [a](https://e.example) \u202e\x00”."
    rendered = render_answer(replace(answer, notes=[note]))[0].content
    line = next(part for part in rendered.split("\n\n") if "follow-up" in part)
    assert "](" not in line and "\u202e" not in line and "\x00" not in line, line


# --- CORS behind a host name ---------------------------------------------------------------------------------


def test_cors_grants_nothing_to_another_site_behind_a_real_host_name(served: Served) -> None:
    foreign = {"Host": "example.org", "Origin": "https://evil.example"}
    with httpx.Client(base_url=served.url, timeout=30, verify=False) as http:
        reply = http.get("config", headers=foreign)
        assert "access-control-allow-origin" not in reply.headers, dict(reply.headers)
        preflight = http.options("gradio_api/queue/join", headers={**foreign, "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in preflight.headers and preflight.status_code == 403
        post = http.post("gradio_api/queue/join", headers=foreign, json={"data": [], "fn_index": 0,
                                                                         "session_hash": "cors"})
        assert post.status_code == 403
        # The page's own origin still works behind that host name.
        same = http.get("config", headers={"Host": "example.org", "Origin": "https://example.org"})
        assert same.status_code == 200


@pytest.mark.parametrize(("headers", "allowed", "foreign"), [
    ({"host": "example.org", "origin": "https://example.org"}, (), False),
    ({"host": "example.org:443", "origin": "https://example.org"}, (), False),
    ({"host": "example.org"}, (), False),  # no Origin: not a page in a browser
    ({"host": "example.org", "origin": "https://evil.example"}, (), True),
    ({"host": "example.org", "origin": "https://example.org.evil.example"}, (), True),
    ({"host": "example.org", "origin": "null"}, (), True),
    ({"host": "localhost:7860", "origin": "http://localhost:7861"}, (), True),
    ({"host": "10.0.0.5:7860", "x-forwarded-host": "bot.hf.space", "origin": "https://bot.hf.space"}, (), False),
    ({"host": "10.0.0.5:7860", "origin": "https://bot.hf.space"}, (), True),
    ({"host": "10.0.0.5:7860", "origin": "https://bot.hf.space"}, ("bot.hf.space",), False),
], ids=["same", "default-port", "no-origin", "other-site", "lookalike", "null", "other-port", "forwarded-host",
        "rewritten-host", "rewritten-host-allowed"])
def test_which_requests_count_as_coming_from_another_website(headers: dict, allowed: tuple, foreign: bool) -> None:
    assert guard.is_foreign(headers, allowed) is foreign


# --- Timeouts ----------------------------------------------------------------------------------------------------


def test_half_sent_requests_are_closed_by_the_server_at_their_deadlines(shipped_page: Server) -> None:
    # The shipped page's settings with deadlines of 1 s instead of 10 (docs/operating.md): the
    # server closes what a slow client leaves half-sent, at the deadline and not before.
    deadline = 1.0
    settings = replace(shipped_page.settings, header_timeout_s=deadline, body_timeout_s=deadline, feedback_log=None)
    with serve(settings) as server:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        started = time.monotonic()
        headers_only = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(20)]
        for sock in headers_only:
            sock.sendall(b"GET /config HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never finishes its headers
        slow_body = socket.create_connection(("127.0.0.1", port), timeout=5)
        slow_body.sendall(b"POST /gradio_api/queue/join HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\"")  # 7 of 100 bytes
        limit = deadline + 5
        try:
            for sock in headers_only:
                sock.settimeout(max(0.1, limit - (time.monotonic() - started)))
                assert sock.recv(1024) == b"", "closed without an answer"
            assert time.monotonic() - started >= deadline * 0.9, "closed before its deadline"
            slow_body.settimeout(max(0.1, limit - (time.monotonic() - started)))
            assert slow_body.recv(1024).startswith(b"HTTP/1.1 408")
        finally:
            for sock in [*headers_only, slow_body]:
                sock.close()
        assert time.monotonic() - started < limit
