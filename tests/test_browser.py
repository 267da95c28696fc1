"""The chat page in a real browser: Debian's Chromium driven by Playwright, against a live server.

Never `playwright install` (it downloads a browser build): `.ci/setup --test` installs Debian's
`chromium` package, and these tests skip, saying why, only where there is none. Screenshots go
to tests/artifacts/ (docs/screenshot*.png are copies of them).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import BotLoader, create_demo, launch
from bot.chatbot import Chatbot
from bot.config import REPO_ROOT, Settings
from bot.embedding import Embedder
from conftest import TESTS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = TESTS / "artifacts"
ANSWER_TIMEOUT = 30_000  # ms; the first answer may wait for the bot to finish loading

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}: install Debian's chromium "
                       "package (`bash .ci/setup --test` does) to run the browser tests"),
]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
expect = sync_api.expect


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    feedback = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    return replace(Settings.for_repo(REPO_ROOT), feedback_log=feedback)


@pytest.fixture(scope="module")
def url(settings: Settings, embedder: Embedder) -> Iterator[str]:
    demo = create_demo(settings, loader=BotLoader(settings, embedder=embedder, rebuild=False).start())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _, url, _ = launch(demo, settings, host="127.0.0.1", port=port, block=False, quiet=True)
    try:
        yield url
    finally:
        demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, url: str) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url)
    try:
        yield page
    finally:
        context.close()


def ask(page, question: str) -> object:
    """Type a question, send it, and return the locator of the last bot answer once it is there."""
    before = page.get_by_test_id("bot").count()
    page.get_by_test_id("textbox").fill(question)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("bot")).not_to_have_count(before, timeout=ANSWER_TIMEOUT)
    expect(page.get_by_test_id("textbox")).to_be_editable(timeout=ANSWER_TIMEOUT)  # the answer is complete
    return page.locator(".bot-row").last


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def test_the_page_has_the_title_a_notice_and_example_questions(page) -> None:
    expect(page.locator(".page-header h1")).to_have_text("Repeated Back Muscle Spasms")
    expect(page.locator(".page-header")).to_contain_text("quoted word for word")
    expect(page.locator(".page-header .disclaimer")).to_contain_text("not medical advice")
    examples = page.locator(".examples button, button.example")
    assert 4 <= examples.count() <= 6
    expect(page).to_have_title("Repeated Back Muscle Spasms")


def test_asking_shows_a_quote_its_source_and_a_closed_source_block_that_opens(page) -> None:
    answer = ask(page, "Does ice help with back spasms?")
    expect(answer.locator("blockquote")).to_contain_text("Ice therapy can also prove to be a good treatment.")
    expect(answer.locator("blockquote")).to_contain_text("[1] Repeated Back Muscle Spasms › Treatment of Back Muscle Spasms")
    expect(answer.locator(".band")).to_have_text("Match: high")
    source = answer.locator(".thought-group").first
    expect(source).to_contain_text("Source [1]: Repeated Back Muscle Spasms › Treatment of Back Muscle Spasms")
    expect(source.locator("mark")).to_have_count(0)  # closed: status "done"
    source.locator(".title").click()
    expect(source.locator("mark")).to_contain_text("Applying ice will reduce the swelling")
    expect(source.locator(".source-line")).to_be_visible()
    page.wait_for_timeout(500)  # the block's opening animation
    screenshot(page, "desktop.png")


# Questions whose quote is usually one sentence of a longer passage (the first such one is asked).
HIGHLIGHT_CANDIDATES = ["Are spasms hard to diagnose?", "Can a spasm tear the muscle?", "Does massage help?",
                        "Can pregnancy cause back spasms?", "Can a lack of vitamin D cause spasms?"]


def test_the_quote_is_highlighted_inside_its_longer_passage(page, repo_bot: Chatbot) -> None:
    question, passage = next((q, a.quoted[0]) for q in HIGHLIGHT_CANDIDATES
                             if (a := repo_bot.ask(q)).quoted and len(a.quoted[0].quote) < len(a.quoted[0].text))
    answer = ask(page, question)
    source = answer.locator(".thought-group").first
    source.locator(".title").click()
    expect(source.locator("mark").first).to_be_visible()
    marked = " ".join(source.locator("mark").all_inner_texts())
    body = source.inner_text()
    assert _words(marked) == _words(passage.quote), "exactly the quoted sentences are marked"
    assert _words(passage.text) in _words(body), "inside the whole passage"
    page.wait_for_timeout(500)  # the block's opening animation
    screenshot(page, "desktop-highlight.png")


def _words(text: str) -> str:
    return " ".join(text.split())


def test_copy_buttons_are_there_and_no_share_button(page) -> None:
    ask(page, "What can trigger a back spasm?")
    expect(page.get_by_label("Copy conversation")).to_have_count(1)
    assert page.get_by_label("Copy message").count() >= 2
    expect(page.get_by_label("Share")).to_have_count(0)


def test_a_silent_article_offers_three_clickable_questions(page) -> None:
    answer = ask(page, "What is the capital of France?")
    expect(answer).to_contain_text("The article does not cover this.")
    options = page.locator(".options button")
    expect(options).to_have_count(3)
    chosen = options.first.inner_text()
    options.first.click()
    expect(page.get_by_test_id("user").last).to_have_text(chosen, timeout=ANSWER_TIMEOUT)
    expect(page.locator(".bot-row").last).to_contain_text("The article says:", timeout=ANSWER_TIMEOUT)


def test_a_warning_sign_shows_the_urgent_notice_above_the_quotes(page) -> None:
    answer = ask(page, "I fell off a ladder and now my back keeps spasming")
    notice = answer.locator(".urgent")
    expect(notice).to_contain_text("Get urgent medical help.")
    rest = answer.locator(".band").first  # every answer, quoting or not, carries its match label
    assert notice.bounding_box()["y"] < rest.bounding_box()["y"]
    screenshot(page, "desktop-urgent.png")


def test_html_in_a_question_is_shown_as_text_and_never_runs(page) -> None:
    page.evaluate("window.__ran = false")
    ask(page, '<img src=x onerror="window.__ran = true"> <script>window.__ran = true</script> capital of France?')
    expect(page.locator(".bot-row").last.locator(".asked")).to_contain_text('<img src=x onerror="window.__ran = true">')
    expect(page.locator(".user-row").last).to_contain_text('<script>window.__ran = true</script>')  # as typed
    assert page.evaluate("window.__ran") is False
    assert page.locator("#chat img[src=x]").count() == 0


def test_a_pasted_image_or_link_stays_text_and_is_never_fetched(page) -> None:
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "example.invalid" in request.url else None)
    ask(page, "![pixel](https://example.invalid/p.png) <https://example.invalid/x> lottery numbers")
    expect(page.locator(".user-row").last).to_contain_text("![pixel](https://example.invalid/p.png)")
    expect(page.locator(".bot-row").last.locator(".asked")).to_contain_text("![pixel](https://example.invalid/p.png)")
    page.wait_for_timeout(300)
    assert page.locator("#chat img[src*='example.invalid'], #chat a[href*='example.invalid']").count() == 0
    assert fetched == []


def test_a_like_is_appended_to_the_feedback_log(page, settings: Settings) -> None:
    ask(page, "Should I stay in bed during a spasm?")
    page.get_by_label("Like", exact=True).last.click()
    log = Path(settings.feedback_log)
    for _ in range(50):
        if log.exists() and log.read_text(encoding="utf-8").strip():
            break
        page.wait_for_timeout(100)
    entry = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    assert entry["rating"] == "like"
    assert entry["question"] == "Should I stay in bed during a spasm?"
    assert "The article says:" in entry["answer"]


def test_the_page_works_on_a_phone(browser, url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        page.goto(url)
        expect(page.locator(".page-header h1")).to_be_visible()
        answer = ask(page, "Is ice or heat better for a spasm?")
        expect(answer.locator("blockquote").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
        expect(page.get_by_test_id("textbox")).to_be_in_viewport()
        screenshot(page, "mobile.png")
    finally:
        context.close()
