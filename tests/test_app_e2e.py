"""The chat page over HTTP, as a visitor's browser or a `gradio_client` script reaches it.

One real server per module (launched in-process, the bot loading in the background as in
production), the real model, the real index, and `gradio_client` talking to it.
"""

from __future__ import annotations

import html
import importlib.util
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from conftest import (
    SEED_DOC,
    AppProcess,
    free_port,
    let_go,
    make_repo,
    new_client,
    queue_call,
    serve,
    sync_dependency,
    visitor,
    wait_for_page,
    wait_until,
)
from gradio_client import Client
from gradio_client.exceptions import AppError

from bot.app import BotLoader, create_demo, launch
from bot.chatbot import Chatbot
from bot.config import REPO_ROOT, Settings
from bot.embedding import Embedder
from bot.errors import BotError
from bot.ui import from_typed, launch_options

PASSAGE_KEYS = {"text", "quote", "source", "section", "score", "doc", "start", "end",
                "quote_start", "quote_end", "title", "kind", "quoted"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shipped corpus and index; feedback goes to a temporary file; a short history keeps tests quick."""
    feedback = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    return replace(Settings.for_repo(REPO_ROOT), feedback_log=feedback, max_history_turns=3)


@pytest.fixture(scope="module")
def server(settings: Settings, embedder: Embedder) -> Iterator[tuple]:
    """The page as `python app.py` serves it, on a free local port (its own: a short history)."""
    with serve(settings, embedder) as page:
        yield page.demo, page.app, page.url


@pytest.fixture(scope="module")
def url(server: tuple) -> str:
    return server[2]


@pytest.fixture
def client(url: str) -> Iterator[Client]:
    """A new visitor: each client is its own session with its own history."""
    client = new_client(url)
    try:
        yield client
    finally:
        let_go(client)


def chat(client: Client, message: str) -> list[dict]:
    return client.predict(message, api_name="/chat")


def test_a_visitor_asking_in_a_row_loses_no_question_when_its_stream_is_slow_to_close(url: str, monkeypatch) -> None:
    """gradio_client's race (benchmarks/visitor.py), made certain: the client's reader thread is held
    on the server's `close_stream`, as on a busy machine. Held until the next question is sent, a
    plain Client loses every second question; held 0.2 s (the Visitor sends nothing before the stream
    has closed), the tests', benchmarks' and soak's Visitor loses none."""
    import concurrent.futures
    import json as real_json
    import types

    import gradio_client.client

    sends = [0]  # questions sent so far
    hold = {"until_sent": True}
    send_data = gradio_client.client.Client.send_data

    def send_and_count(self, *args, **kwargs):
        try:
            return send_data(self, *args, **kwargs)
        finally:
            sends[0] += 1

    def slow_loads(text: str, *args, **kwargs):
        if "close_stream" in text:
            if hold["until_sent"]:  # until the next question is sent (at most 2 s)
                before, deadline = sends[0], time.monotonic() + 2
                while sends[0] == before and time.monotonic() < deadline:
                    time.sleep(0.001)
            else:
                time.sleep(0.2)
        return real_json.loads(text, *args, **kwargs)

    monkeypatch.setattr(gradio_client.client.Client, "send_data", send_and_count)
    monkeypatch.setattr(gradio_client.client, "json", types.SimpleNamespace(loads=slow_loads, dumps=real_json.dumps))

    def lost(client: Client) -> int:
        count = 0
        try:
            for _ in range(4):
                try:
                    client.predict("Does ice help?", api_name="/chat")
                except concurrent.futures.CancelledError:
                    count += 1
        finally:
            let_go(client)
        return count

    assert lost(Client(url, verbose=False, analytics_enabled=False, download_files=False, ssl_verify=False)) == 2
    hold["until_sent"] = False
    assert lost(new_client(url)) == 0


def session_questions(server: tuple, client: Client) -> list[str]:
    """The questions the server keeps for this client's session (read from Gradio's state store)."""
    demo, app, _ = server
    history = app.state_holder[client.session_hash][demo.chatbot_state._id]
    return [from_typed(m["content"]) for m in history if m["role"] == "user"]


# --- /chat ----------------------------------------------------------------------------------------


def test_an_answer_quotes_the_article_with_its_source(client: Client) -> None:
    (answer,) = chat(client, "Does ice help with back spasms?")  # the quote is its whole passage: no passage block
    assert answer["role"] == "assistant" and not answer["metadata"]
    content = answer["content"]
    assert content.startswith('<span class="band band-high">Close match to your question</span>')
    assert "The article says:" in content
    assert "> Ice therapy can also prove to be a good treatment." in content and "the pain. **[1]**" in content
    assert '— Repeated Back Muscle Spasms › Treatment of Back Muscle Spasms</span>' in content


def test_every_quote_is_numbered_each_section_named_once_and_a_longer_passage_shown_whole(client: Client,
                                                                                         repo_bot: Chatbot) -> None:
    question = "What can trigger a back spasm?"
    answer, *blocks = chat(client, question)
    quoted = repo_bot.ask(question).quoted
    numbers = [int(n) for n in re.findall(r"\*\*\[(\d+)\]\*\*", answer["content"])]
    assert numbers == list(range(1, len(quoted) + 1))
    for source in {p.source for p in quoted}:
        assert answer["content"].count(source) == 1, f"{source} named more than once"
    longer = [n for n, p in enumerate(quoted, start=1) if " ".join(p.text.split()) != " ".join(p.quote.split())]
    assert [b["metadata"]["title"] for b in blocks] == [f"The whole passage around [{n}]" for n in longer]
    assert all(b["metadata"]["status"] == "done" and "<mark>" in b["content"] for b in blocks)


def test_a_list_question_shows_several_quotes_in_article_order(client: Client, repo_bot: Chatbot) -> None:
    question = "What are the symptoms of back spasms?"
    answer, *_ = chat(client, question)
    quoted = repo_bot.ask(question).quoted
    assert len(quoted) >= 2 and answer["content"].count("**[") == len(quoted)
    assert [p.quote_start for p in quoted] == sorted(p.quote_start for p in quoted)
    positions = [answer["content"].index(html.escape(" ".join(p.quote.split()))) for p in quoted]
    assert positions == sorted(positions), "quotes appear in the order of the article"
    assert f"points from {quoted[0].source}:" in answer["content"], "a compact list under its section"


def test_a_question_the_article_is_silent_on_gets_an_honest_answer_and_three_suggestions(client: Client) -> None:
    (answer,) = chat(client, "What is the capital of France?")
    assert "The article does not cover this." in answer["content"]
    assert "It covers: Introduction; Causes of Back Muscle Spasms; Symptoms" in answer["content"]
    assert "The article says:" not in answer["content"] and "band" not in answer["content"]
    suggestions = re.findall(r"<li>(.*?)</li>", answer["content"].split('<ul class="suggestions">')[1])
    assert len(suggestions) == 3 and all(q.endswith("?") for q in suggestions)
    assert not answer["options"], "in the message, not as chips that vanish at the next question"


def test_greetings_and_thanks_get_a_short_friendly_reply_with_questions_to_ask(client: Client) -> None:
    for message, opening in [("hello!", "Hello! Ask me about “Repeated Back Muscle Spasms”"),
                             ("ok thanks", "You're welcome.")]:
        (reply,) = chat(client, message)
        assert reply["content"].startswith(opening)
        assert "does not cover" not in reply["content"] and reply["content"].count("<li>") == 3
    first, *_ = chat(client, "hi, does ice help with back spasms?")  # a greeting with a question is a question
    assert "Ice therapy" in first["content"]


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_an_empty_question_gets_a_friendly_prompt_not_an_error(client: Client, blank: str) -> None:
    (reply,) = chat(client, blank)
    assert reply["content"].startswith("Please type a question about the article")
    assert reply["content"].count("<li>") == 3


def test_a_warning_sign_gets_the_urgent_notice_before_any_quote(client: Client) -> None:
    urgent, answer, *_ = chat(client, "I fell off a ladder yesterday, should I stay in bed during the spasm?")
    assert 'class="urgent"' in urgent["content"] and "Get urgent medical help." in urgent["content"]
    assert "Match:" not in urgent["content"] and "The article says:" in answer["content"]  # quotes come after it
    with visitor(client.src) as other:  # another visitor: nothing carries over between sessions
        assert all('class="urgent"' not in m["content"] for m in chat(other, "Does ice help?"))


def test_a_warning_with_nothing_to_quote_is_the_notice_alone(client: Client) -> None:
    messages = chat(client, "My back spasms and I can't control my bladder, is that cauda equina?")
    assert len(messages) == 1 and "Get urgent medical help." in messages[0]["content"]
    assert "does not cover this." not in messages[0]["content"] and "suggestions" not in messages[0]["content"]


def test_a_warning_is_repeated_on_every_later_answer_of_the_conversation(client: Client) -> None:
    chat(client, "I can't control my bladder since my back went into spasm")
    for later in ("and what about heat?", "Does massage help?"):
        first, *_ = chat(client, later)
        assert 'class="urgent"' in first["content"]
        assert "You mention loss of bladder or bowel control" in first["content"]


def test_script_in_a_question_comes_back_escaped(client: Client) -> None:
    messages = chat(client, "<script>alert('x')</script><img src=x onerror=alert(1)>")
    raw = json.dumps(messages)
    assert "<script" not in raw and "<img" not in raw
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in raw


def test_a_long_question_is_cut_with_a_note(client: Client) -> None:
    answer = chat(client, "Does ice help with back spasms? " * 200)[0]
    assert "only its beginning was read" in answer["content"]


def test_a_follow_up_in_the_same_session_sees_the_conversation(server: tuple, client: Client, url: str) -> None:
    chat(client, "Does ice help with back spasms?")
    follow_up = chat(client, "And what about heat?")
    assert "Read as a follow-up to “Does ice help with back spasms?”" in follow_up[0]["content"]
    assert session_questions(server, client) == ["Does ice help with back spasms?", "And what about heat?"]
    with visitor(url) as stranger:
        chat(stranger, "What can trigger a back spasm?")
        assert session_questions(server, stranger) == ["What can trigger a back spasm?"]


def test_a_follow_up_is_not_read_with_a_question_that_was_not_answered(client: Client) -> None:
    chat(client, "What is the capital of France?")
    chat(client, "hello")
    follow_up = chat(client, "and what about heat?")[0]["content"]
    assert "follow-up" not in follow_up and "capital" not in follow_up and "hello" not in follow_up
    assert "Heat or hydrotherapy" in follow_up


def test_a_session_keeps_only_the_last_turns(server: tuple, client: Client, settings: Settings) -> None:
    turns = settings.max_history_turns
    for number in range(turns + 2):
        chat(client, f"Question {number}: does ice help?")
    questions = session_questions(server, client)
    assert len(questions) == turns
    assert questions[-1] == f"Question {turns + 1}: does ice help?"


# --- /search --------------------------------------------------------------------------------------


def test_search_is_typed_and_documented(client: Client) -> None:
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/chat", "/search"}
    parameters = {p["parameter_name"]: p for p in endpoints["/search"]["parameters"]}
    assert parameters["question"]["python_type"]["type"] == "str"
    assert parameters["question"]["parameter_has_default"] is False
    assert parameters["k"]["python_type"]["type"] == "int"
    assert parameters["k"]["parameter_default"] == 5
    assert [p["parameter_name"] for p in endpoints["/chat"]["parameters"]] == ["message"]


def test_search_returns_the_same_passages_as_the_cli_json(client: Client, repo_bot: Chatbot) -> None:
    question = "Is heat good for a spasm?"
    passages = client.predict(question, 5, api_name="/search")
    answer = repo_bot.ask(question).to_json()  # what `ask --json` prints, with the answer's coverage
    assert passages == [p | {"coverage": "full", "unmentioned": []} for p in answer["passages"]]
    assert all(set(p) == PASSAGE_KEYS | {"coverage", "unmentioned"} for p in passages)
    assert [p["quoted"] for p in passages][0] is True
    assert len(client.predict(question, 2, api_name="/search")) == 2


@pytest.mark.parametrize("question", [
    "How do I fix a leaking kitchen tap?",  # not covered: the passages are only the nearest
    "My doctor prescribed muscle relaxers for my back spasms. Should I take them?",  # partly covered
])
def test_search_says_how_much_of_the_question_the_article_answers(client: Client, repo_bot: Chatbot,
                                                                   question: str) -> None:
    passages = client.predict(question, 3, api_name="/search")
    expected = repo_bot.ask(question).coverage
    assert expected in {"none", "partial"}
    assert {p["coverage"] for p in passages} == {expected}
    assert all(p["unmentioned"] == list(repo_bot.ask(question).unmentioned) for p in passages)
    assert not any(p["quoted"] for p in passages) if expected == "none" else any(p["quoted"] for p in passages)


def test_search_refuses_a_bad_k_or_an_empty_question_with_a_readable_message(client: Client) -> None:
    with pytest.raises(AppError, match=f"k must be from 1 to {Settings.max_search_k}; got 0"):
        client.predict("ice", 0, api_name="/search")
    with pytest.raises(AppError, match="Please type a question about the article"):
        client.predict("   ", 3, api_name="/search")


# --- A public page's defaults ----------------------------------------------------------------------


def test_uploads_are_refused(url: str) -> None:
    # The page has no upload box; every Gradio app has the route, so it is closed in front of Gradio.
    boundary = "----bot-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"small.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + b"x" * 1000 + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{url}gradio_api/upload", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403 and b"takes no uploads" in refused.value.read()


@pytest.mark.parametrize("path", [SEED_DOC, REPO_ROOT / "index" / "manifest.json", REPO_ROOT / "pyproject.toml"])
def test_files_of_the_checkout_are_not_served(url: str, path: Path) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{url}gradio_api/file={path.resolve()}", timeout=30)
    assert refused.value.code in (403, 404)


def test_the_page_is_configured_for_the_public(url: str, settings: Settings) -> None:
    config = json.loads(urllib.request.urlopen(f"{url}config", timeout=30).read())
    assert config["analytics_enabled"] is False
    assert config["show_error"] is False
    options = launch_options(settings)
    assert options["share"] is False and options["max_file_size"] == "1mb"
    assert options["mcp_server"] is (importlib.util.find_spec("mcp") is not None)


# --- Start-up ------------------------------------------------------------------------------------------


def test_a_bot_that_cannot_load_shows_its_reason_on_the_page(tmp_path: Path) -> None:
    settings = make_repo(tmp_path, SEED_DOC)  # a corpus, no index, and no rebuild allowed
    with serve(settings, rebuild=False) as page, visitor(page.url) as client:
        with pytest.raises(AppError, match=r"No index in .*Build it with: python -m bot build") as shown:
            chat(client, "Does ice help?")
        assert "Traceback" not in str(shown.value)


def test_a_missing_index_is_rebuilt_at_start_when_the_folder_is_writable(
        tmp_path: Path, embedder: Embedder, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_repo(tmp_path, SEED_DOC)
    with caplog.at_level(logging.WARNING):
        bot = BotLoader(settings, embedder=embedder).start().get(timeout=300)
    assert "Rebuilding it now" in caplog.text
    assert "Ice therapy" in bot.ask("Does ice help with back spasms?").passages[0].text


def test_a_request_during_loading_waits_a_bounded_time_and_says_why_it_gave_up(tmp_path: Path) -> None:
    settings = replace(make_repo(tmp_path, SEED_DOC), bot_load_wait_s=0.05)
    loader = BotLoader(settings)  # never started: loading never ends
    started = time.monotonic()
    with pytest.raises(BotError, match="still loading. Please try again in a minute"):
        loader.get()  # the default wait is Settings.bot_load_wait_s, not forever
    assert time.monotonic() - started < 5 and not loader.ready()

    # The page, with that loader: a question is told the bot is starting, then why it gave up.
    demo = create_demo(replace(settings, bot_load_wait_s=1.5), loader=loader)
    _, url, _ = launch(demo, settings, host="127.0.0.1", port=free_port(), block=False, quiet=True)
    try:
        with visitor(url) as client:
            job = client.submit("Does ice help?", api_name="/chat")
            with pytest.raises(AppError, match="still loading"):
                job.result(timeout=60)
            said = [message["content"] for output in job.outputs() for message in output]
            assert said and all(text.startswith('<div class="starting">The bot is starting (about ') for text in said)
    finally:
        demo.close()


@pytest.mark.slow
def test_python_app_py_serves_the_page_and_answers(app_py: AppProcess) -> None:
    """The README's first command, cold: process start → page → first answer over HTTP."""
    page = wait_for_page(app_py.url, app_py.process, output=app_py.output)
    assert "<gradio-app" in page or "gradio" in page.lower()
    with visitor(app_py.url) as client:
        answer = chat(client, "Does ice help with back spasms?")[0]["content"]
    assert "Ice therapy" in answer
    print(f"process start → first answer: {time.perf_counter() - app_py.started:.1f} s")


MiB = 1024 * 1024


def _rss_mb(pid: int) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 1e6


@pytest.mark.slow
def test_app_logs_its_start_up_and_hostile_clients_do_not_grow_its_memory(app_py: AppProcess) -> None:
    process, url, log = app_py.process, app_py.url, app_py.log
    # The module's `python app.py` (tests/conftest.py), which the cold-start test above started.
    wait_until(lambda: process.poll() is not None or "Bot loaded in" in log.read_text(), 120,
               lambda: log.read_text()[-3000:])
    assert re.search(r"Bot loaded in [\d.]+ s", log.read_text()), log.read_text()[-3000:]
    # The bot may load before the server listens.
    config = json.loads(wait_for_page(f"{url}config", process, timeout=120, output=log.read_text))
    chat = next(d for d in config["dependencies"] if d.get("api_name") == "chat")
    sync = sync_dependency(config)
    queue_call(url, chat["id"], ["Does ice help?", None], "warm-up")
    before = _rss_mb(process.pid)
    started = time.monotonic()
    question = "x" * (5 * MiB)
    history = [{"role": "user", "content": [{"type": "text", "text": "y" * (8 * MiB)}]}]
    with httpx.Client(base_url=url, timeout=30, verify=False) as http:
        for i in range(20):  # the probes: 5 MB questions, 8 MB histories, by both routes
            for path, body in [("gradio_api/queue/join", {"data": [question, None], "fn_index": chat["id"],
                                                           "session_hash": f"big-{i}"}),
                               ("gradio_api/run/predict", {"data": [history], "fn_index": sync["id"],
                                                           "session_hash": f"big-{i}"})]:
                try:
                    status = http.post(path, json=body).status_code
                except httpx.TransportError:
                    status = 413  # refused from its Content-Length and closed while we still sent
                assert status in (404, 413), (path, status)
            assert time.monotonic() - started < 120
    # Read once the server has settled (two readings 0.2 s apart within 1 MB), not after a fixed wait.
    readings = [_rss_mb(process.pid)]

    def settled() -> bool:
        readings.append(_rss_mb(process.pid))
        return abs(readings[-1] - readings[-2]) < 1

    wait_until(settled, 30, lambda: f"the server's memory did not settle: {readings[-5:]} MB", interval=0.2)
    grown = readings[-1] - before
    assert grown < 40, f"resident memory grew {grown:.0f} MB"
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


# --- What the page says about itself, and the MCP tools ------------------------------------------------


def test_the_page_is_sent_gzipped_to_browsers_that_accept_it(url: str) -> None:
    with httpx.Client(timeout=30, verify=False) as http:  # plain HTTP on loopback
        plain = http.get(url, headers={"Accept-Encoding": "identity"})
        packed = http.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        refused = http.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in plain.headers and "content-encoding" not in refused.headers
    assert packed.headers["content-encoding"] == "gzip" and packed.headers["vary"] == "Accept-Encoding"
    assert packed.text == plain.text  # httpx unpacks it: the same page
    assert int(packed.headers["content-length"]) < len(plain.content) / 3
    assert "<title>Repeated Back Muscle Spasms</title>" in packed.text  # after the preview tags were rewritten



def test_the_served_html_names_the_article_for_link_previews(url: str) -> None:
    page = urllib.request.urlopen(url, timeout=30).read().decode("utf-8")
    assert "<title>Repeated Back Muscle Spasms</title>" in page
    assert '<meta property="og:title" content="Repeated Back Muscle Spasms" />' in page
    assert '<meta name="twitter:title" content="Repeated Back Muscle Spasms" />' in page
    assert 'content="Gradio"' not in page and "Click to try out the app!" not in page
    assert "raw.githubusercontent.com" not in page.split("<script>window.gradio_config")[0]  # no third-party image


def _mcp_call(url: str, calls: list[tuple[str, dict]]) -> tuple[list[str], list]:
    """List the tools of the page's MCP server and call some, with the `mcp` SDK's own client."""
    import asyncio

    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async def run() -> tuple[list[str], list]:
        async with streamablehttp_client(f"{url}gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = [tool.name for tool in (await session.list_tools()).tools]
                return tools, [await session.call_tool(name, arguments) for name, arguments in calls]

    return asyncio.run(run())


@pytest.mark.skipif(importlib.util.find_spec("mcp") is None,
                    reason="the `mcp` package is missing: pip install -e '.[test]' installs it (gradio[mcp])")
def test_both_tools_answer_an_mcp_client(url: str) -> None:
    tools, (chat_result, search_result) = _mcp_call(url, [
        ("chat", {"message": "Does ice help with back spasms?"}),
        ("search", {"question": "Does ice help with back spasms?", "k": 2}),
    ])
    assert sorted(tools) == ["chat", "search"]
    assert not chat_result.isError, chat_result.content
    chat_text = chat_result.content[0].text
    assert "The article says:" in chat_text and "Ice therapy can also prove to be a good treatment." in chat_text
    assert not search_result.isError, search_result.content
    assert "Treatment of Back Muscle Spasms" in search_result.content[0].text
