"""A hardened public page: what a hostile script can reach over HTTP, and what it cannot.

One real server per module, launched with the same queue and launch options as `python app.py`,
over the run's build of the article (tests/conftest.py), with a feedback log holding a secret line.
tests/test_app_e2e.py already checks files of the checkout (403) and the page's config; these tests
go after the edges: uploads (refused), paths outside the app, traversal tricks, URL fetching, the
queue bypass, private endpoints, malformed API calls and forged or flooding feedback votes.
tests/test_limits.py covers memory bounds, timeouts, CORS behind a host name and every fn_index.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import call_result, queue_call, serve

from bot.config import REPO_ROOT, Settings

MiB = 1024 * 1024
VOTES_PER_SESSION = Settings.votes_per_session
SECRET = "TOP-SECRET-7f3a9c"


@dataclass
class Page:
    url: str
    share_url: str | None
    settings: Settings
    config: dict

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None,
                method: str | None = None) -> tuple[int, dict, bytes]:
        """(status, headers, body) of one request; HTTP errors are answers too."""
        request = urllib.request.Request(self.url + path, data=data, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as err:
            return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()

    def post_json(self, path: str, payload: object) -> tuple[int, dict, bytes]:
        return self.request(path, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def upload(self, name: str, content: bytes, content_type: str = "text/plain") -> tuple[int, dict, bytes]:
        boundary = "----hardening-test"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                f"Content-Type: {content_type}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        return self.request("gradio_api/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def dependency(self, api_name: str) -> dict:
        return next(d for d in self.config["dependencies"] if d.get("api_name") == api_name)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, built_article: Settings, embedder) -> Iterator[Page]:
    """The run's build of the article served with a feedback log of its own, holding a secret line."""
    feedback = tmp_path_factory.mktemp("hardened-feedback") / "feedback.jsonl"
    feedback.write_text(json.dumps({"rating": "like", "question": SECRET}) + "\n")
    settings = replace(built_article, feedback_log=feedback)
    with serve(settings, embedder) as server:
        config = json.loads(urllib.request.urlopen(f"{server.url}config", timeout=30).read())
        yield Page(server.url, server.share_url, settings, config)


@pytest.fixture(scope="module")
def outside_secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file outside the app's folders, the upload cache and the allowed paths."""
    path = tmp_path_factory.mktemp("outside") / "credentials.txt"
    path.write_text(SECRET)
    return path


# --- Uploads -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, MiB, MiB + 1], ids=["empty", "one-byte", "one-MiB", "over-one-MiB"])
def test_the_page_takes_no_uploads_of_any_size(page: Page, size: int) -> None:
    # It has no upload box; Gradio's route capped only each file (40 × 1 MB in one POST got 200).
    try:
        status, _, body = page.upload("file.bin", b"x" * size, "application/octet-stream")
    except urllib.error.URLError as err:  # refused and closed while a big body was still being sent
        assert size > 64 * 1024 and isinstance(err.reason, (BrokenPipeError, ConnectionResetError)), err
        return
    assert status == 403 and b"takes no uploads" in body, (status, body[:200])


def test_many_files_in_one_upload_are_refused(page: Page) -> None:
    boundary = "----many-files"
    part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"f.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + b"x" * 1000 + b"\r\n"
    body = part * 40 + f"--{boundary}--\r\n".encode()
    status, _, answer = page.request("gradio_api/upload", body,
                                     {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 403, answer[:200]


def test_an_html_file_cannot_be_uploaded_to_be_served_later(page: Page) -> None:
    status, _, body = page.upload("x.html", b"<script>alert(document.cookie)</script>", "text/html")
    assert status == 403, body[:200]


# --- The file route ------------------------------------------------------------------------------


def _file_paths(page: Page, outside: Path) -> list[str]:
    root = page.settings.corpus_dir.parent
    cache = "/tmp/gradio"  # Gradio's upload cache: the one folder the route serves from
    return [
        "/etc/passwd",
        str(outside),
        "../../../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "%252e%252e/%252e%252e/etc/passwd",
        "//etc/passwd",
        f"{cache}/../../etc/passwd",
        f"{cache}/%2e%2e/%2e%2e/{outside}",
        f"{cache}/..%2f..%2fetc%2fpasswd",
        "/proc/self/environ",
        "file:///etc/passwd",
        str(page.settings.feedback_log),
        str(root / "index" / "manifest.json"),
        str(root / "corpus"),
        "app.py",
        "bot/ui/__init__.py",
        str(REPO_ROOT / ".git" / "config"),
    ]


def test_the_file_route_reads_nothing_outside_the_allowed_paths(page: Page, outside_secret: Path) -> None:
    served = {}
    for path in _file_paths(page, outside_secret):
        for route in ("gradio_api/file=", "file=", "gradio_api/file/"):
            status, _, body = page.request(route + path)
            if status < 400 or SECRET.encode() in body or b"root:" in body:
                served[route + path] = (status, body[:80])
    assert served == {}


@pytest.mark.parametrize("route", ["static/", "assets/", "gradio_api/static/", "gradio_api/assets/"])
def test_static_routes_do_not_climb_out_of_their_folders(page: Page, route: str) -> None:
    for trick in ("../../../../etc/passwd", "..%2f..%2f..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/%2e%2e/etc/passwd"):
        status, _, body = page.request(route + trick)
        assert status >= 400 and b"root:" not in body, (route + trick, status)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(SECRET.encode())

    def log_message(self, *args) -> None:
        pass


def test_the_server_fetches_no_url_it_is_handed(page: Page) -> None:
    recorder = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{recorder.server_port}/internal"
    try:
        for path in (f"gradio_api/file={target}", f"file={target}", f"gradio_api/proxy={target}", f"proxy={target}"):
            status, _, body = page.request(path)
            assert status >= 400 and SECRET.encode() not in body, path
        assert _Recorder.hits == []
    finally:
        recorder.shutdown()
        recorder.server_close()


# --- Launch settings -----------------------------------------------------------------------------


def test_there_is_no_share_link(page: Page) -> None:
    assert page.share_url is None
    assert not page.config.get("share_url")


def test_analytics_are_off_even_when_the_environment_says_nothing(tmp_path: Path) -> None:
    # Importing the page module is what turns analytics off, before gradio reads the setting.
    env = {k: v for k, v in os.environ.items() if k != "GRADIO_ANALYTICS_ENABLED"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    code = "import bot.ui, gradio.analytics as a; print(a.analytics_enabled())"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_monitoring_is_off(page: Page) -> None:
    for path in ("monitoring", "gradio_api/monitoring"):
        status, _, _ = page.request(path)
        assert status in (403, 404)


@pytest.mark.parametrize("path", ["gradio_api/api/chat", "gradio_api/run/chat", "gradio_api/api/search",
                                  "gradio_api/run/search"])
def test_the_queue_cannot_be_bypassed(page: Page, path: str) -> None:
    status, _, body = page.post_json(path, {"data": ["Does ice help?"]})
    assert status == 404 and b"join the queue" in body


def test_another_website_gets_no_cross_origin_grant(page: Page) -> None:
    status, headers, _ = page.request("config", headers={"Origin": "https://evil.example"})
    assert headers.get("access-control-allow-origin") in (None, "null")
    status, headers, _ = page.request("gradio_api/upload", method="OPTIONS", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert headers.get("access-control-allow-origin") in (None, "null")


def test_only_chat_and_search_are_public_endpoints(page: Page) -> None:
    public = {d["api_name"] for d in page.config["dependencies"] if d.get("api_visibility") == "public"}
    assert public == {"chat", "search"}


# --- Readable errors through the raw API -----------------------------------------------------------


def call(page: Page, api_name: str, *data: object) -> tuple[str, object]:
    """("complete", result) or ("error", message) of one call through the REST queue route, or
    ("refused", detail) when the call is refused before it joins the queue."""
    status, _, body = page.post_json(f"gradio_api/call/{api_name}", {"data": list(data)})
    if 400 <= status < 500:
        return "refused", json.loads(body)["detail"]
    assert status == 200, body[:300]
    return call_result(page.url, api_name, json.loads(body)["event_id"])


@pytest.mark.parametrize("k", ["many", None, -1, 0, 21, 10**19, [3]])
def test_search_with_a_bad_k_gets_a_readable_message(page: Page, k: object) -> None:
    event, message = call(page, "search", "Does ice help?", k)
    assert event == "error"
    assert isinstance(message, str) and "k must be" in message and "from 1 to 20" in message


def test_a_number_too_long_to_be_a_k_is_refused_before_it_is_queued(page: Page) -> None:
    event, message = call(page, "search", "Does ice help?", 10**30)
    assert event == "refused" and "number out of range" in message


@pytest.mark.parametrize("message", [None, 123, True, ["does", "ice", "help"], {"text": "Does ice help with spasms?"},
                                     {"text": "ice", "files": ["/etc/passwd"]}, {"unexpected": 1}],
                         ids=["null", "number", "bool", "list", "multimodal-dict", "dict-with-files", "odd-dict"])
def test_chat_with_a_malformed_message_answers_or_says_why(page: Page, message: object) -> None:
    event, result = call(page, "chat", message)
    if event == "error":
        assert isinstance(result, str) and result.strip(), "an error the visitor can read, not a bare 'Error'"
    else:
        text = "\n".join(m["content"] for m in result)
        assert "Please type a question" in text or "The article" in text
        assert SECRET not in text and "root:" not in text


NESTED = b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b', "fn_index": 7, "session_hash": "nested"}'
MALFORMED = {
    "deeply-nested-json": ("gradio_api/queue/join", NESTED),
    "k-1e400": ("gradio_api/call/search", b'{"data": ["Does ice help?", 1e400]}'),
    "k-nan": ("gradio_api/call/search", b'{"data": ["Does ice help?", NaN]}'),
    "chat-no-data": ("gradio_api/call/chat", b'{"data": []}'),
    "chat-too-much-data": ("gradio_api/call/chat", b'{"data": ["a", "b", "c"]}'),
    "chat-file": ("gradio_api/call/chat", b'{"data": [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}]}'),
    "chat-v2-empty": ("gradio_api/call/v2/chat", b"{}"),
    "chat-v2-unknown": ("gradio_api/call/v2/chat", b'{"message": "hi", "history": []}'),
    "chat-v2-list": ("gradio_api/call/v2/chat", b'["hi"]'),
    "join-no-data": ("gradio_api/queue/join", b'{"data": [], "fn_index": 7, "session_hash": "no-data"}'),
    "join-not-json": ("gradio_api/queue/join", b"\xff\xfe not json"),
    "proxy-nul": ("gradio_api/proxy=http://x%00", None),
    "custom-component-escapes": ("gradio_api/custom_component/%1b%5b31mFORGED%0aLINE/client/x/y.js", None),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_request_gets_4xx_and_leaves_no_traceback_or_raw_bytes_in_the_log(page: Page, capfd,
                                                                                       case: str) -> None:
    capfd.readouterr()
    path, body = MALFORMED[case]
    status, _, answer = page.request(path, body, {"Content-Type": "application/json"} if body is not None else {})
    assert 400 <= status < 500, (status, answer[:300])
    assert json.loads(answer)["detail"], answer[:300]
    out, err = capfd.readouterr()
    assert "Traceback" not in err and "\x1b" not in out + err and "FORGED" not in out + err, (out + err)[-2000:]


# --- What the app stores ---------------------------------------------------------------------------


def _ask(page: Page, session: str, question: str, client: str | None = None) -> list[dict]:
    """Ask through the page's own queue in `session`; the answer's messages."""
    chat = page.dependency("chat")
    status, result = queue_call(page.url, chat["id"], [question, None], session, client=client)
    assert status == 200 and result["success"], result
    return result["output"]["data"][0]


def _vote(page: Page, session: str, index: object, liked: object = True, value: str = "",
          client: str | None = None) -> tuple[int, object]:
    """A thumb as the browser sends it: through the queue, naming a message by its index."""
    like = page.dependency("on_like")
    return queue_call(page.url, like["id"], [None], session, trigger_id=like["targets"][0][0],
                      event_data={"index": index, "value": value, "liked": liked}, client=client)


def _new_entries(page: Page, before: int) -> list[dict]:
    return [json.loads(line) for line in page.settings.feedback_log.read_text().splitlines()[before:]]


def _lines(page: Page) -> int:
    return len(page.settings.feedback_log.read_text().splitlines())


def test_a_vote_records_the_question_and_answer_the_server_gave_not_the_clients(page: Page) -> None:
    answer = _ask(page, "vote-real", "Does ice help?")
    before = _lines(page)
    status, result = _vote(page, "vote-real", 1, value="FORGED: the article recommends bleach")
    assert status == 200 and result["success"], result
    entries = _new_entries(page, before)
    assert [e["rating"] for e in entries] == ["like"]
    assert entries[0]["question"] == "Does ice help?"
    assert "The article says:" in entries[0]["answer"] and "FORGED" not in json.dumps(entries)
    assert answer[0]["content"].startswith("<span class=\"band")


@pytest.mark.parametrize("case", ["no-answer-in-session", "user-message", "out-of-range", "made-up-rating"])
def test_a_vote_on_anything_but_an_answer_given_in_this_session_is_not_recorded(page: Page, case: str) -> None:
    session = f"vote-{case}"
    if case != "no-answer-in-session":
        _ask(page, session, "Does heat help?")
    index, liked = {"no-answer-in-session": (1, True), "user-message": (0, True), "out-of-range": (99, True),
                    "made-up-rating": (1, "I love bleach")}[case]
    before = _lines(page)
    _vote(page, session, index, liked)
    assert _new_entries(page, before) == []


def test_a_script_cannot_flood_the_feedback_log_from_one_session(page: Page) -> None:
    _ask(page, "vote-flood", "Should I stay in bed?")
    before = _lines(page)
    for _ in range(VOTES_PER_SESSION + 10):
        _vote(page, "vote-flood", 1, True)
    assert len(_new_entries(page, before)) == VOTES_PER_SESSION


def test_new_session_hashes_do_not_give_a_client_more_votes(page: Page) -> None:
    # A session hash costs nothing to make; an address does (the client a proxy names).
    client, per_client = "203.0.113.21", Settings.votes_per_client
    before = _lines(page)
    for session in ("votes-a", "votes-b"):
        _ask(page, session, "Does heat help?", client=client)
        for _ in range(per_client * 3 // 4):
            _vote(page, session, 1, True, client=client)
    assert len(_new_entries(page, before)) == per_client


@pytest.mark.parametrize("index", [[1, 10**19], 10**19, [1, 0, 0], -1], ids=["huge-part", "huge", "triple",
                                                                             "negative"])
def test_a_vote_naming_no_message_a_history_can_hold_is_not_recorded(page: Page, index: object) -> None:
    session = f"vote-index-{sum(map(ord, str(index))) % 10_000}"
    _ask(page, session, "Does heat help?", client="203.0.113.22")
    before = _lines(page)
    _vote(page, session, index, client="203.0.113.22")
    assert _new_entries(page, before) == []


def test_a_vote_index_of_thousands_of_digits_is_refused_before_it_is_queued(page: Page) -> None:
    like = page.dependency("on_like")
    body = (f'{{"data": [null], "fn_index": {like["id"]}, "session_hash": "vote-digits", "trigger_id": '
            f'{like["targets"][0][0]}, "event_data": {{"index": [1, {"9" * 4005}], "value": "", "liked": true}}}}')
    before = _lines(page)
    status, _, answer = page.request("gradio_api/queue/join", body.encode(), {"Content-Type": "application/json"})
    assert status == 400 and b"number out of range" in answer, answer[:200]
    assert _new_entries(page, before) == []


def test_votes_go_through_the_queue_not_around_it(page: Page) -> None:
    like = page.dependency("on_like")
    assert like["queue"] is True
    status, _, body = page.post_json("gradio_api/run/predict", {
        "data": [None], "fn_index": like["id"], "trigger_id": like["targets"][0][0], "session_hash": "vote-direct",
        "event_data": {"index": 1, "value": "x", "liked": True}})
    assert status == 404 and b"join the queue" in body
