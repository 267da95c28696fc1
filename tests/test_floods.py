"""What one client can make the server keep or wait for, flooding each route over real HTTP on loopback.

The findings of the third hardening review, one test each (and the per-unit weights docs/operating.md
adds up): MCP callers isolated from each other; unread results capped per session; session hashes
short and plain, and the sessions one client keeps capped; a flood of MCP calls leaves the page
answering; the data an event carries cut like an input; one client's new sessions evict only its
own; one client cannot fill the queue; long-lived connections capped per client and in all, and
the reload stream refused; unknown streams refused without a traceback; memory returned after a
flood. A client is what a proxy names in X-Forwarded-For (bot/clients.py): each test's clients
send addresses of their own, as they would arrive through a Space's proxy.

Two pages: the shipped one (`shipped_page`, in this process, so what it keeps can be weighed), and
`python app.py`'s code in a process of its own with small caps (40 sessions, 12 streams, a queue of 8
of which a client may hold 2, 6 calls outstanding in all, memory trimmed every second), where a flood
that would take thousands of requests on the shipped page takes dozens, and where resident memory is
the server's alone. Every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from conftest import Server, free_port, owned_bytes, queue_call, shared_with_the_page, stop, wait_for_page, wait_until

from bot import guard
from bot.config import REPO_ROOT, Settings
from bot.ui import limits

PAGE = Settings.for_repo(REPO_ROOT)
MiB = 1024 * 1024
WARNING = "I lost control of my bladder and my back hurts. My name is ALICE-7731."
URGENT = "Get urgent medical help"
SLOW_BODIES = 2000


@dataclass
class Page:
    url: str
    server: Server | None  # None for the page in a process of its own
    config: dict
    pid: int | None = None
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    @property
    def demo(self):
        return self.server.demo

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].strip("/"))

    def dependency(self, name: str) -> dict:
        return next(d for d in self.config["dependencies"] if d.get("api_name") == name)

    def join(self, name: str, data: list, session: str, *, client: str | None = None, event_data: object = None,
             body: dict | None = None) -> int:
        """Join the queue without ever reading the result, as a script can; the join's HTTP status."""
        dependency = self.dependency(name)
        payload = {"data": data, "fn_index": dependency["id"], "session_hash": session, "event_data": event_data,
                   "trigger_id": (dependency.get("targets") or [[None]])[0][0], **(body or {})}
        headers = {"X-Forwarded-For": client} if client else {}
        return self.http.post(f"{self.url}gradio_api/queue/join", json=payload, headers=headers).status_code

    def ask(self, question: str, session: str, client: str | None = None) -> str:
        """Ask through the page's queue and read the answer: its text."""
        status, result = queue_call(self.url, self.dependency("chat")["id"], [question, None], session,
                                    client=client, timeout=30)
        assert status == 200 and result["success"], result
        return "\n".join(m["content"] for m in result["output"]["data"][0] if isinstance(m.get("content"), str))

    def open_stream(self, path: str, client: str | None = None) -> socket.socket:
        """Send a long-lived GET; the socket, open (the caller closes it)."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        forwarded = f"X-Forwarded-For: {client}\r\n" if client else ""
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{forwarded}\r\n".encode())
        return sock

    def status_of_stream(self, path: str, client: str | None = None) -> tuple[int, socket.socket]:
        """Open a long-lived GET; its status and the open socket (the caller closes it)."""
        sock = self.open_stream(path, client)
        return _status(sock), sock


def _status(sock: socket.socket) -> int:
    return int(sock.recv(64).split(b" ", 2)[1])


@pytest.fixture(scope="module")
def page(shipped_page: Server) -> Page:
    return Page(shipped_page.url, shipped_page, httpx.get(f"{shipped_page.url}config", timeout=30).json())


SMALL = ("session_capacity=40, streams_total=12, queue_size=8, pending_per_client=2, pending_total=6, "
         "stale_unread_s=1.0, trim_interval_s=1.0, feedback_log=None")


@pytest.fixture(scope="module")
def small(built_article: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """The run's build of the article served as `python app.py` serves it, with the small caps of SMALL."""
    port, log = free_port(), tmp_path_factory.mktemp("small-page") / "server.log"
    code = ("import sys; from dataclasses import replace; from pathlib import Path; from bot.app import serve; "
            "from bot.config import Settings; "
            f"sys.exit(serve(replace(Settings.for_repo(Path({str(built_article.corpus_dir.parent)!r})), {SMALL}), "
            f"'127.0.0.1', {port}))")
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        url = f"http://127.0.0.1:{port}/"
        config = json.loads(wait_for_page(f"{url}config", process, timeout=120, output=log.read_text))
        page = Page(url, None, config, process.pid)
        # The bot loads in the background: its first answer waits for it, so that no test measures the load.
        status, _ = queue_call(url, page.dependency("chat")["id"], ["Does ice help?", None], "warm-up", timeout=120)
        assert status == 200, log.read_text()[-3000:]
        yield page
    finally:
        stop(process)


def _rss(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# --- What the guard reads of Gradio's queue (bot/ui/gradio_queue.py: private attributes, pinned here) ---------


def test_what_the_guard_reads_of_gradios_queue_is_what_gradio_keeps(page: Page) -> None:
    from bot.ui.gradio_queue import GradioQueue

    view, session = GradioQueue(page.demo), "pinned-session"
    chat = page.dependency("chat")
    joined = page.http.post(f"{page.url}gradio_api/queue/join", json={
        "data": ["Does ice help?", None], "fn_index": chat["id"], "session_hash": session})
    event_id = joined.json()["event_id"]
    assert view.pending(session) == 1 and view.has_stream_queue(session)
    assert view.session_of_event(event_id) == session
    wait_until(lambda: event_id not in page.demo._queue.event_ids_to_events, 30, "the call did not run")
    assert view.pending(session) == 1, "answered, not yet read"
    view.drop_unread(session)
    assert view.pending(session) == 0 and not view.has_stream_queue(session)
    status, result = queue_call(page.url, chat["id"], ["Does heat help?", None], session)  # read, this time
    assert status == 200 and result["success"]
    wait_until(lambda: view.pending(session) == 0, 10, "a result read is still counted")  # counted off just after
    assert session in page.demo.state_holder.session_data
    view.prune(lambda s: False)
    assert session not in page.demo._queue.pending_event_ids_session, "Gradio's empty leftover is gone"
    view.forget(session)
    assert session not in page.demo.state_holder.session_data


# --- HIGH 1: MCP callers share nothing -------------------------------------------------------------------


def _mcp(url: str, calls: list[tuple[str, dict]], transport: str = "http", client: str | None = None) -> list:
    """Each call by an MCP caller of its own (a connection of its own), with the `mcp` SDK's client."""
    pytest.importorskip("mcp", reason="the `mcp` package is missing: pip install -e '.[test]' installs it")
    from mcp import ClientSession
    from mcp.client.sse import sse_client
    from mcp.client.streamable_http import streamablehttp_client

    headers = {"X-Forwarded-For": client} if client else None

    async def one(name: str, arguments: dict):
        connect = (streamablehttp_client(f"{url}gradio_api/mcp/", headers=headers) if transport == "http"
                   else sse_client(f"{url}gradio_api/mcp/sse", headers=headers))
        async with connect as streams, ClientSession(streams[0], streams[1]) as session:
            await session.initialize()
            return await session.call_tool(name, arguments)

    async def run() -> list:
        return [await asyncio.wait_for(one(name, arguments), 60) for name, arguments in calls]

    return asyncio.run(run())


@pytest.mark.parametrize("transport", ["http", "sse"])
def test_mcp_callers_never_see_each_others_conversation(page: Page, transport: str) -> None:
    first, second = _mcp(page.url, [("chat", {"message": WARNING}), ("chat", {"message": "and what about heat?"})],
                         transport)
    assert URGENT in first.content[0].text, "the first caller is told to get help"
    text = second.content[0].text
    assert not second.isError and "Heat" in text, text[:500]
    assert URGENT not in text and "ALICE-7731" not in text and "bladder" not in text, text[:1500]


# --- HIGH 2 and MEDIUM 5: unread results, and what an event carries -------------------------------------------


def _unread_bytes(page: Page, session: str) -> int:
    messages = page.demo._queue.pending_messages_per_session.get(session)
    return owned_bytes(list(messages._queue), set()) if messages is not None else 0


def test_results_nobody_reads_stop_at_the_sessions_cap(page: Page) -> None:
    # The shape: the page's internal option_clicked, a 250,000-character option, one session,
    # its event stream never opened.
    cap, session = PAGE.pending_per_session, "never-reads"
    option = {"index": 0, "value": "𝔵" + "x" * 250_000}
    statuses = [page.join("option_clicked", [[]], session, client="203.0.113.2", event_data=option)
                for _ in range(cap + 4)]
    assert statuses == [200] * cap + [429] * 4, statuses
    queue = page.demo._queue
    wait_until(lambda: not any(e.session_hash == session for e in queue.event_ids_to_events.values()), 30,
               "the joined events were not all run")
    assert len(queue.pending_event_ids_session[session]) == cap
    assert _unread_bytes(page, session) <= cap * limits.RESULT_BYTES


def test_the_data_an_event_carries_is_cut_like_every_input(page: Page) -> None:
    option = page.dependency("option_clicked")
    status, result = queue_call(page.url, option["id"], [[]], "long-option", trigger_id=option["targets"][0][0],
                                event_data={"index": 0, "value": "x" * 250_000})
    assert status == 200 and result["success"], result
    history = page.demo.state_holder.session_data["long-option"]
    weight = owned_bytes(history, shared_with_the_page(page.demo))
    assert weight <= limits.SESSION_BYTES, weight
    shown = json.dumps(result["output"]["data"])
    assert "x" * (PAGE.max_input_chars + 1) not in shown


def test_an_unread_result_weighs_at_most_its_stated_bound(page: Page) -> None:
    # The functions that echo the history back (undo, retry, …) with the largest history the page keeps.
    kinds = {c["id"]: c["type"] for c in page.config["components"]}
    history = [{"role": role, "content": [{"type": "text", "text": f"{n} " + "x" * 4_000}]}
               for n in range(7) for role in ("user", "assistant")]
    echoing = [d for d in page.config["dependencies"] if d.get("backend_fn")
               and "chatbot" in [kinds[i] for i in d["inputs"]] and d["api_visibility"] == "undocumented"]
    sessions = []
    for n, dependency in enumerate(echoing):
        session = f"echo-{n}"
        data = [history if kinds[i] == "chatbot" else None for i in dependency["inputs"]]
        assert page.join(dependency["api_name"], data, session) in (200, 400), dependency["api_name"]
        sessions.append(session)
    queue = page.demo._queue
    wait_until(lambda: not any(e.session_hash in sessions for e in queue.event_ids_to_events.values()), 30,
               "the joined events were not all run")
    weights = {s: _unread_bytes(page, s) for s in sessions}
    assert max(weights.values()) > 40_000, "the history came back in the results"
    assert max(weights.values()) <= limits.RESULT_BYTES, weights


def _largest_requests() -> dict[str, list]:
    """Request data of the largest shapes the guard lets through (a body of max_body_bytes, max_json_values values)."""
    room, values = PAGE.max_body_bytes - 200, PAGE.max_json_values - 10
    return {"one-string": ["x" * room], "astral-string": ["𝔵" * (room // 4)],
            "short-strings": ["x" * (room // values - 4)] * values, "empty-dicts": [{}] * values,
            "big-numbers": [10**19] * values}


@pytest.mark.parametrize("shape", sorted(_largest_requests()))
def test_a_waiting_request_weighs_at_most_its_stated_bound(shape: str) -> None:
    # What the queue keeps of a request until it runs: Gradio's own parse of the body the guard let through.
    from gradio.data_classes import PredictBody, PredictBodyInternal

    body = json.dumps({"data": _largest_requests()[shape], "fn_index": 7, "session_hash": "weigh"},
                      ensure_ascii=False).encode()
    assert len(body) <= PAGE.max_body_bytes
    payload = guard.parse_json(body, PAGE)  # accepted
    kept = PredictBodyInternal(**PredictBody(**payload).model_dump(), request=None)
    assert owned_bytes(kept, set()) <= limits.REQUEST_BYTES


# --- HIGH 3: session hashes, and the sessions one client keeps -------------------------------------------------


@pytest.mark.parametrize("session", ["x" * 250_000, "x" * 65, "<script>", "a b", "ü"], ids=["250k", "65", "markup",
                                                                                              "space", "non-ascii"])
def test_a_session_hash_is_short_and_plain(page: Page, session: str) -> None:
    assert page.join("chat", ["Does ice help?", None], session) == 400
    if len(session) < 2000:  # longer does not fit in a request line
        for path in (f"/gradio_api/queue/data?session_hash={session}", f"/gradio_api/heartbeat/{session}"):
            status, sock = page.status_of_stream(path.replace(" ", "%20"))
            sock.close()
            assert status == 400, path


def test_one_client_cannot_open_sessions_without_end(page: Page) -> None:
    # The shape: a new session hash for every join, results never read.
    client = "203.0.113.3"
    statuses = [page.join("chat", ["Does ice help?", None], f"fresh-{n}", client=client) for n in range(40)]
    assert statuses == [200] * PAGE.pending_per_client + [429] * (40 - PAGE.pending_per_client), statuses
    pending = page.demo._queue.pending_event_ids_session
    assert sum(1 for n in range(40) if pending.get(f"fresh-{n}")) == PAGE.pending_per_client
    assert page.join("chat", ["Does ice help?", None], "fresh-other", client="203.0.113.33") == 200, "others still join"


@pytest.mark.slow
def test_unread_results_of_all_clients_are_capped_and_stale_ones_give_way(small: Page) -> None:
    # Many clients (addresses), each within its own cap, never reading: the small page holds 6 outstanding
    # calls in all; a newcomer is told the page is busy until the oldest unread results are a second old.
    fill = [small.join("chat", ["Does ice help?", None], f"filler-{n}", client=f"198.51.100.{100 + n // 2}")
            for n in range(6)]
    assert fill == [200] * 6
    assert small.join("chat", ["Does ice help?", None], "newcomer", client="198.51.100.120") == 503
    time.sleep(1.5)  # the fillers' results, answered long since, are now stale
    assert small.join("chat", ["Does ice help?", None], "newcomer", client="198.51.100.120") == 200


# --- HIGH 4: a flood of MCP calls ----------------------------------------------------------------------------


async def _mcp_flood(url: str, calls: int, started: threading.Event, client: str) -> list[dict]:
    """MCP over SSE by hand: one connection, then `calls` tool calls posted all at once; their answers."""
    headers = {"X-Forwarded-For": client}
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as http, \
            http.stream("GET", "gradio_api/mcp/sse") as stream:
        lines = stream.aiter_lines()
        endpoint = None
        async for line in lines:
            if line.startswith("data: ") and endpoint is None:
                endpoint = line[len("data: "):]  # where to post: /gradio_api/mcp/messages/?session_id=…
                break
        post = endpoint.lstrip("/")
        await http.post(post, json={"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "flood", "version": "0"}}})
        await http.post(post, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
        search = {"name": "search", "arguments": {"question": "What helps a spasm?", "k": 20}}
        await asyncio.gather(*(http.post(post, json={"jsonrpc": "2.0", "id": n, "method": "tools/call",
                                                     "params": search}) for n in range(1, calls + 1)))
        started.set()
        answers: dict[int, dict] = {}
        async for line in lines:
            if line.startswith("data: "):
                message = json.loads(line[len("data: "):])
                if message.get("id"):
                    answers[message["id"]] = message
                if len(answers) == calls:
                    break
        return list(answers.values())


@pytest.mark.slow
def test_a_flood_of_mcp_calls_leaves_the_page_answering(page: Page) -> None:
    # The shape: one SSE connection, then many calls on it at once (there, 300 stalled every
    # visitor and /config for 96 s: each call held one of the worker threads the page needs).
    pytest.importorskip("mcp", reason="the `mcp` package is missing")
    calls, started, outcome = 100, threading.Event(), {}

    def flood() -> None:
        outcome["answers"] = asyncio.run(asyncio.wait_for(_mcp_flood(page.url, calls, started, "203.0.113.4"), 60))

    thread = threading.Thread(target=flood, daemon=True)
    thread.start()
    assert started.wait(30), "the calls were not sent"
    waits, deadline = [], time.monotonic() + 30
    while thread.is_alive() or not waits:  # a visitor asks, and the page is loaded, all through the flood
        began = time.monotonic()
        assert "Ice therapy" in page.ask("Does ice help with back spasms?", f"during-mcp-flood-{len(waits)}",
                                         client="203.0.113.44")
        assert httpx.get(f"{page.url}config", timeout=10).status_code == 200
        waits.append(round(time.monotonic() - began, 2))
        assert time.monotonic() < deadline, "the flood did not end"
    assert max(waits) < 5, f"visitors waited {waits} s during the flood"
    answers = outcome["answers"]
    assert len(answers) == calls, "every call was answered"
    busy = [a for a in answers if a["result"].get("isError")]
    assert all("busy" in a["result"]["content"][0]["text"] for a in busy)
    assert calls - len(busy) >= PAGE.mcp_concurrency
    print(f"{calls} MCP calls at once: {calls - len(busy)} answered, {len(busy)} busy; a visitor's question and "
          f"/config took {waits} s meanwhile")


# --- MEDIUM 6 and 7: one client's sessions, and its share of the queue -------------------------------------------


@pytest.mark.slow
def test_new_sessions_from_one_client_never_evict_another_clients_conversation(small: Page) -> None:
    # The shape: joins with new session hashes until the page's store of sessions (40 here,
    # 1,000 shipped) turns over; the visitor's urgent notice then went with its conversation.
    first = small.ask(WARNING, "visitor", client="198.51.100.1")
    assert URGENT in first
    chat = small.dependency("chat")["id"]
    for n in range(60):  # each reads its answer, so no cap on outstanding calls stops it
        status, _ = queue_call(small.url, chat, ["Does ice help?", None], f"evictor-{n}", client="198.51.100.2",
                               timeout=30)
        assert status == 200
    later = small.ask("and what about heat?", "visitor", client="198.51.100.1")
    assert URGENT in later and "follow-up" in later, later[:800]


ATTACK = """
import json, sys, threading, time, httpx
url, fn_index, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
statuses, until = [], time.monotonic() + seconds
def attack(thread):
    with httpx.Client(timeout=30, headers={"X-Forwarded-For": "203.0.113.7"}) as http:
        n = 0
        while time.monotonic() < until:
            body = {"data": ["why " * 250, None], "fn_index": fn_index, "session_hash": f"hog-{thread}-{n}"}
            statuses.append(http.post(url + "gradio_api/queue/join", json=body).status_code)
            n += 1
threads = [threading.Thread(target=attack, args=(t,)) for t in range(6)]
[t.start() for t in threads]; [t.join() for t in threads]
print(json.dumps(statuses))
"""


@pytest.mark.slow
def test_one_client_cannot_fill_the_queue(small: Page) -> None:
    # The shape: threads of another process joining with long questions, never reading,
    # while visitors from other addresses ask. The small page's queue has 8 places; a client may hold 2.
    chat = small.dependency("chat")["id"]
    attacker = subprocess.Popen([sys.executable, "-c", ATTACK, small.url, str(chat), "3"], stdout=subprocess.PIPE,
                                text=True)
    try:
        time.sleep(1)
        replies = [queue_call(small.url, chat, ["Does ice help with back spasms?", None], f"queued-visitor-{v}",
                              client=f"198.51.100.{50 + v}", timeout=30) for v in range(8)]
        statuses = json.loads(attacker.communicate(timeout=60)[0])
    finally:
        attacker.kill()
    counts = {status: statuses.count(status) for status in set(statuses)}
    assert [status for status, _ in replies] == [200] * 8, ([r for _, r in replies], counts)
    assert all(r["success"] for _, r in replies)
    assert counts.get(200, 0) <= 2 and 429 in counts, counts


# --- MEDIUM 8: long-lived connections --------------------------------------------------------------------------


def test_long_lived_connections_are_capped_per_client(page: Page) -> None:
    opened = [page.status_of_stream(f"/gradio_api/heartbeat/hb-{n}", client="203.0.113.8") for n in range(40)]
    try:
        statuses = [status for status, _ in opened]
        assert statuses == [200] * PAGE.streams_per_client + [429] * (40 - PAGE.streams_per_client), statuses
        status, other = page.status_of_stream("/gradio_api/heartbeat/hb-other", client="203.0.113.88")
        other.close()
        assert status == 200, "another client still connects"
    finally:
        for _, sock in opened:
            sock.close()


@pytest.mark.slow
def test_long_lived_connections_are_capped_in_all_and_the_reload_stream_is_refused(small: Page) -> None:
    cap = 12  # the small page's streams_total
    opened = [small.status_of_stream(f"/gradio_api/heartbeat/all-{n}") for n in range(cap + 3)]
    try:
        assert [status for status, _ in opened] == [200] * cap + [503] * 3
    finally:
        for _, sock in opened:
            sock.close()
    status, sock = small.status_of_stream("/gradio_api/dev/reload")
    sock.close()
    assert status == 404


# --- MEDIUM 9: streams that name nothing, and streams closed in numbers ---------------------------------------------


def test_streams_for_unknown_sessions_or_calls_are_refused_without_a_traceback(page: Page, capfd) -> None:
    capfd.readouterr()
    for path in ("/gradio_api/queue/data?session_hash=never-joined", "/gradio_api/call/chat/" + "0" * 32,
                 "/gradio_api/call/v2/search/" + "f" * 32):
        status, sock = page.status_of_stream(path)
        sock.close()
        assert status == 404, path
    # Several streams for one session, all dropped by the client: one is read, the others wait, then all close.
    assert page.join("chat", ["Does ice help?", None], "many-streams", client="203.0.113.9") == 200
    streams = [page.open_stream("/gradio_api/queue/data?session_hash=many-streams", client="203.0.113.9")
               for _ in range(4)]
    statuses = sorted(_status(sock) for sock in streams)
    for sock in streams:
        sock.close()
    assert statuses[0] == 200 and set(statuses) <= {200, 409}, statuses
    time.sleep(1)  # the server notices the closed streams
    err = capfd.readouterr().err
    assert "Traceback" not in err and "KeyError" not in err, err[-3000:]


# --- LOW: memory a flood took is given back -----------------------------------------------------------------


@pytest.mark.slow
def test_memory_a_flood_took_is_returned_to_the_system(small: Page) -> None:
    # The shape: 2,000 slow 256 KB bodies at once, then all dropped (there, 781 MB stayed
    # resident for good). What the server buffered for them is freed, and the trimmer (every
    # second here, 30 s shipped) hands it back to the system.
    before = _rss(small.pid)
    head = (b"POST /gradio_api/queue/join HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 262000\r\n\r\n")
    body = b"[" + b"1," * 120_000  # most of it, then nothing more
    sockets = []
    try:
        for _ in range(SLOW_BODIES):
            sock = socket.create_connection(("127.0.0.1", small.port), timeout=10)
            sock.sendall(head + body)
            sockets.append(sock)
        readings = [_rss(small.pid)]  # until the server has taken in what it will (two readings within 2 MB)
        while len(readings) < 40 and (len(readings) < 3 or abs(readings[-1] - readings[-2]) > 2 * MiB):
            time.sleep(0.2)
            readings.append(_rss(small.pid))
        peak = max(readings)
    finally:
        for sock in sockets:
            sock.close()
    # What the server took keeps growing a while on a busy machine (it is still reading what was sent):
    # the peak is the highest reading, until resident memory falls below a third of the way up from before.
    deadline, now = time.monotonic() + 30, _rss(small.pid)
    while True:
        peak = max(peak, now)
        if now <= before + (peak - before) / 3 or time.monotonic() > deadline:
            break
        time.sleep(0.25)
        now = _rss(small.pid)
    assert (peak - before) / MiB > 40, f"the flood took only {(peak - before) / MiB:.0f} MB: nothing to measure"
    assert now <= before + (peak - before) / 3, (f"resident memory stayed at {now / MiB:.0f} MB "
                                                 f"(before {before / MiB:.0f}, peak {peak / MiB:.0f})")
    print(f"{SLOW_BODIES} slow bodies: resident {before / MiB:.0f} MB before, {peak / MiB:.0f} at the peak, "
          f"{_rss(small.pid) / MiB:.0f} after")
