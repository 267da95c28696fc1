"""The chat page in a real browser: Debian's Chromium driven by Playwright, against a live server.

Never `playwright install` (it downloads a browser build): `.ci/setup --test` installs Debian's
`chromium` package, and these tests skip, saying why, only where there is none. Screenshots go
to tests/artifacts/ (docs/screenshot*.png are copies of them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, TESTS, Server, wait_until

from bot.chatbot import Chatbot
from bot.config import Settings

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
def settings(shipped_page: Server) -> Settings:
    return shipped_page.settings


@pytest.fixture(scope="module")
def url(shipped_page: Server) -> str:
    """The shipped page, served for this module (each page opened on it is a new visitor)."""
    return shipped_page.url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def tab_for(browser) -> Iterator[Callable[[str], object]]:
    """`tab_for(name)`: a browser tab on one of SCREENS, made when a test first asks for it and kept
    for the module, with the clipboard readable by the tests. Each test opens the page in it anew
    (`open_page`): a new document, so a new visitor with a Gradio session and a chat of its own (the
    page keeps nothing in the browser: test_the_page_keeps_nothing_in_the_visitors_browser). What
    the tab keeps is the browser's cache and its renderer process, so the page's 70 scripts and
    styles are fetched and compiled once: the page then opens for about 0.7 core-seconds rather
    than 2.4 in a new browser context."""
    made: dict[str, object] = {}

    def tab(name: str) -> object:
        if name not in made:
            context = browser.new_context(**SCREENS[name])
            context.grant_permissions(["clipboard-read", "clipboard-write"])
            page = context.new_page()
            page.script_errors = []
            page.on("pageerror", lambda error, page=page: page.script_errors.append(str(error)))
            made[name] = page
        return made[name]

    try:
        yield tab
    finally:
        for page in made.values():
            page.context.close()


def open_page(tab, url: str) -> object:
    """The page opened anew in `tab`, once it is ready to use: its examples are drawn and the page's
    own script (bot/data/page.js) has named them; until then Gradio's markup is a list of buttons
    without list items, which axe-core rightly reports. Script errors from now on are collected in
    `tab.script_errors`."""
    tab.script_errors.clear()
    tab.goto(url)
    expect(tab.locator(".page-header h1")).to_be_visible()
    expect(tab.locator('.examples[role="group"] button').first).to_be_visible()
    return tab


@pytest.fixture
def page(tab_for, url: str) -> object:
    """The page on a desktop screen, for a new visitor."""
    return open_page(tab_for("desktop"), url)


def ask(page, question: str) -> object:
    """Type a question, send it, and return the locator of the last bot answer once it is there."""
    before = page.get_by_test_id("bot").count()
    page.get_by_test_id("textbox").fill(question)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("bot")).not_to_have_count(before, timeout=ANSWER_TIMEOUT)
    expect(page.get_by_test_id("textbox")).to_be_editable(timeout=ANSWER_TIMEOUT)  # the answer is complete
    return page.locator(".bot-row").last


# Every animation that ends (a source block opening, a message fading in) has ended; endless ones
# (a spinner) are not waited for.
_ANIMATIONS_DONE = """() => document.getAnimations().every(a => a.playState !== 'running' || !a.effect
                                                    || a.effect.getComputedTiming().endTime === Infinity)"""


def settled(page) -> None:
    """Wait (up to 5 s) until the page's animations have run, so what is read or shot is the end state."""
    page.wait_for_function(_ANIMATIONS_DONE, timeout=5_000)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def test_asking_shows_a_quote_its_source_and_a_closed_source_block_that_opens(page) -> None:
    answer = ask(page, "Does ice help with back spasms?")
    expect(answer.locator("blockquote")).to_contain_text("Ice therapy can also prove to be a good treatment.")
    source_line = "[1] Repeated Back Muscle Spasms › Treatment of Back Muscle Spasms"
    expect(answer.locator("blockquote")).to_contain_text(source_line)
    expect(answer.locator(".band")).to_have_text("Match: high")
    source = answer.locator(".thought-group").first
    expect(source).to_contain_text("Source [1]: Repeated Back Muscle Spasms › Treatment of Back Muscle Spasms")
    expect(source.locator("mark")).to_have_count(0)  # closed: status "done"
    source.locator(".title").click()
    expect(source.locator("mark")).to_contain_text("Applying ice will reduce the swelling")
    expect(source.locator(".source-line")).to_be_visible()
    settled(page)  # the block's opening animation
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
    settled(page)  # the block's opening animation
    screenshot(page, "desktop-highlight.png")


def _words(text: str) -> str:
    return " ".join(text.split())


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
    answer = ask(page, "I fell off a ladder yesterday, should I stay in bed during the spasm?")
    notice = answer.locator(".urgent")
    expect(notice).to_contain_text("Get urgent medical help.")
    rest = answer.locator("blockquote").first
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

    def outside(request) -> None:
        if "example.invalid" in request.url:
            fetched.append(request.url)

    page.on("request", outside)
    try:
        ask(page, "![pixel](https://example.invalid/p.png) <https://example.invalid/x> lottery numbers")
        expect(page.locator(".user-row").last).to_contain_text("![pixel](https://example.invalid/p.png)")
        expect(page.locator(".bot-row").last.locator(".asked")).to_contain_text(
            "![pixel](https://example.invalid/p.png)")
        page.wait_for_timeout(300)  # not a wait for something: the time a fetch would have had to start
        assert page.locator("#chat img[src*='example.invalid'], #chat a[href*='example.invalid']").count() == 0
        assert fetched == []
    finally:
        page.remove_listener("request", outside)  # the tab is the next test's too


def test_a_like_is_appended_to_the_feedback_log(page, settings: Settings) -> None:
    log = Path(settings.feedback_log)

    def lines() -> list[str]:
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    before = len(lines())  # the page is shared: other tests' votes may be in the log already
    ask(page, "Should I stay in bed during a spasm?")
    page.get_by_label("Like", exact=True).last.click()
    wait_until(lambda: len(lines()) > before, 5, "the like was not logged within 5 s")
    entry = json.loads(lines()[-1])
    assert entry["rating"] == "like"
    assert entry["question"] == "Should I stay in bed during a spasm?"
    assert "The article says:" in entry["answer"]


def test_the_page_works_on_a_phone(tab_for, url: str) -> None:
    page = open_page(tab_for("phone-light"), url)
    answer = ask(page, "Is ice or heat better for a spasm?")
    expect(answer.locator("blockquote").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
    expect(page.get_by_test_id("textbox")).to_be_in_viewport()
    screenshot(page, "mobile.png")


_STORAGE = """async () => ({
    local: Object.fromEntries(Object.entries(localStorage).map(([key, value]) => [key, value.length])),
    session: Object.keys(sessionStorage),
    databases: indexedDB.databases ? (await indexedDB.databases()).map(d => d.name) : [],
    caches: 'caches' in window ? await caches.keys() : [],
    workers: navigator.serviceWorker ? (await navigator.serviceWorker.getRegistrations()).length : 0})"""


def test_the_page_keeps_nothing_in_the_visitors_browser(page) -> None:
    """No cookie, and nothing of the conversation in the browser's storage after questions and a vote:
    nothing of one visitor is left for the next person at the same computer (nor for the next test's
    page). Gradio's ChatInterface keeps one slot in localStorage for saved conversations, encrypted;
    with history saving off (our default) it holds an empty list: its length does not change."""
    opened = page.evaluate(_STORAGE)
    ask(page, "Does ice help with back spasms?")
    page.get_by_label("Like", exact=True).last.click()
    ask(page, "and heat?")
    assert page.context.cookies() == []
    assert page.evaluate(_STORAGE) == opened
    assert opened["session"] == opened["databases"] == opened["caches"] == [] and opened["workers"] == 0
    assert all(length < 100 for length in opened["local"].values()), opened["local"]


# --- The page as people use it: light and dark, desktop and phone --------------------------------------

VIEWS = {
    "desktop-light": {"viewport": {"width": 1366, "height": 900}, "color_scheme": "light"},
    "desktop-dark": {"viewport": {"width": 1366, "height": 900}, "color_scheme": "dark"},
    "phone-light": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
                    "has_touch": True, "color_scheme": "light"},
    "phone-dark": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
                   "has_touch": True, "color_scheme": "dark"},
}
#: Every screen a test opens the page on: the views, and the desktop of the tests that need no other.
SCREENS = {"desktop": {"viewport": {"width": 1280, "height": 900}}, **VIEWS}
#: What axe-core checks: WCAG 2.0-2.2 A and AA (2.2 AA has the 24 px target size) and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RED_FLAG = "I can't control my bladder since my back went into spasm, is that cauda equina?"
NAMED = "You mention numbness around the groin, buttocks or between the legs and loss of bladder or bowel control"
ORDINARY = ["What are the symptoms of back spasms?", "What treatments does the article suggest?"]


@pytest.fixture(params=list(VIEWS))
def view(request, tab_for, url: str) -> Iterator[object]:
    """The page in one of VIEWS, for a new visitor."""
    page = open_page(tab_for(request.param), url)
    page.view_name = request.param
    yield page
    assert page.script_errors == [], "the page's script raised"  # bot/data/page.js runs on every view


#: For tests of behaviour and layout, not colour: the light scheme on both screens (the dark scheme is
#: the same code path; its colours, the urgent notice's included, are checked by the accessibility test).
COLOUR_BLIND = pytest.mark.parametrize("view", ["desktop-light", "phone-light"], indirect=True)


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install -e '.[test]'")
    settled(page)  # Gradio's fade-in of a new message: colours are judged once it is opaque
    result = axe.Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [f"{v['impact']} {v['id']}: {node['target']}" for v in result.response["violations"]
            if v["impact"] in ("serious", "critical") for node in v["nodes"]]


CONTRAST = """el => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => {
                       v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = el;
  while (bg && getComputedStyle(bg).backgroundColor.match(/rgba\\(.*, 0\\)|transparent/)) bg = bg.parentElement;
  const [a, b] = [lum(getComputedStyle(el).color), lum(getComputedStyle(bg).backgroundColor)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_no_serious_accessibility_violations_after_an_answer_or_a_red_flag_answer(view) -> None:
    assert serious_violations(view) == []  # the page as it opens
    ask(view, ORDINARY[0])
    assert serious_violations(view) == []
    notice = ask(view, RED_FLAG).locator(".urgent")
    expect(notice).to_contain_text(NAMED)  # the signs it read, named, in every view
    assert serious_violations(view) == []
    # The urgent notice's colours, measured in every scheme (axe leaves a colour pair it cannot
    # decide out of its violations): it must be readable in dark mode too.
    expect(notice).to_be_in_viewport()
    assert notice.locator("strong").evaluate(CONTRAST) >= 4.5 and notice.evaluate(CONTRAST) >= 4.5
    screenshot(view, f"{view.view_name}-red-flag.png")


_SCROLL = """r => {
    const log = r.closest('.bubble-wrap');
    return [r.getBoundingClientRect().top - log.getBoundingClientRect().top, r.getBoundingClientRect().height,
            log.clientHeight, log.scrollHeight - log.scrollTop - log.clientHeight];
}"""


def assert_scrolled_to_its_top(row, timeout: float = 3.0) -> None:
    """The answer's top is on screen: at the top of the conversation, or all of it is there at its bottom."""
    at_its_top = f"""r => {{
        const [offset, height, room, leftBelow] = ({_SCROLL})(r);
        return 0 <= offset && (offset <= 24 || (leftBelow <= 2 && offset + height <= room + 2));
    }}"""
    try:
        row.page.wait_for_function(at_its_top, arg=row.element_handle(), timeout=timeout * 1000)
    except sync_api.TimeoutError:
        offset, _, _, left_below = row.evaluate(_SCROLL)
        raise AssertionError(f"the answer starts {offset:.0f} px down the visible conversation, with "
                             f"{left_below:.0f} px of conversation below the visible part") from None


@COLOUR_BLIND
def test_the_urgent_notice_is_readable_first_on_screen_and_repeated_on_follow_ups(view) -> None:
    for question in ORDINARY:
        ask(view, question)
    view.locator(".thought-group .title").last.click()  # an open source block makes the chat longer
    answer = ask(view, RED_FLAG)
    notice = answer.locator(".urgent")
    expect(notice).to_contain_text("Get urgent medical help.")
    expect(notice).to_be_in_viewport()
    assert_scrolled_to_its_top(answer)
    assert notice.locator("strong").evaluate(CONTRAST) >= 4.5 and notice.evaluate(CONTRAST) >= 4.5
    expect(answer).not_to_contain_text("The article does not cover this.")
    expect(answer).not_to_contain_text("It covers")
    expect(answer).not_to_contain_text("Match:")
    expect(answer.locator(".options button")).to_have_count(0)
    screenshot(view, f"{view.view_name}-urgent.png")
    follow_up = ask(view, "and what about heat?")
    expect(follow_up.locator(".urgent")).to_contain_text(NAMED)
    expect(follow_up.locator(".urgent")).to_be_in_viewport()
    assert_scrolled_to_its_top(follow_up)
    expect(follow_up.locator("blockquote").first).to_contain_text("Heat or hydrotherapy")


@COLOUR_BLIND
def test_copy_buttons_give_plain_text_for_one_answer_and_for_the_conversation_and_none_shares(view) -> None:
    ask(view, "Can't I just rest in bed?")
    ask(view, "Does ice help with back spasms?")
    expect(view.get_by_label("Copy conversation")).to_have_count(1)
    assert view.get_by_label("Copy message").count() >= 2
    expect(view.get_by_label("Share")).to_have_count(0)  # questions about health stay private
    view.locator('.message-buttons-left button[aria-label="Copy message"]').last.click()
    copied = view.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("The article says:")
    assert "“Ice therapy can also prove to be a good treatment." in copied
    assert "— [1] Repeated Back Muscle Spasms › Treatment of Back Muscle Spasms" in copied
    assert copied.rstrip().endswith("This is not medical advice: if you are worried about your symptoms, "
                                    "talk to a doctor.")
    view.get_by_label("Copy conversation").click()
    everything = view.evaluate("navigator.clipboard.readText()")
    assert "You asked: Can't I just rest in bed?" in everything
    assert "You asked: Does ice help with back spasms?" in everything
    assert everything.count("The article says:") == 2 and everything.count("not medical advice") == 1
    for text in (copied, everything):
        for markup in ("<", ">", "**", "&#", "&amp;", "Match:", "class="):
            assert markup not in text, f"{markup!r} in the copied text"


@COLOUR_BLIND
def test_the_textbox_notes_the_limit_ignores_blank_input_keeps_its_placeholder_and_focus(view) -> None:
    box = view.get_by_test_id("textbox")
    placeholder = box.get_attribute("placeholder")
    assert placeholder
    users = view.get_by_test_id("user")
    box.fill("   ")
    view.keyboard.press("Enter")
    view.get_by_test_id("submit-button").click()
    view.wait_for_timeout(500)  # not a wait for something: the time a sent message would have had to show
    expect(users).to_have_count(0)
    expect(view.get_by_test_id("bot")).to_have_count(0)
    expect(view.locator("#char-note")).to_have_text("Type a question first.")
    ask(view, "Does massage help?")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("placeholder", placeholder)
    box.fill("")
    box.focus()
    view.evaluate("text => navigator.clipboard.writeText(text)", "spasm " * 500)
    view.keyboard.press("ControlOrMeta+V")
    expect(box).to_have_value(("spasm " * 500)[:1000])
    note = view.locator("#char-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("cut to 1000 characters")
    expect(note).to_contain_text("2000 characters were left out")
    screenshot(view, f"{view.view_name}-limit.png")
    box.fill("x" * 850)
    expect(note).to_have_text("850 / 1000 characters")


@COLOUR_BLIND
def test_a_citation_opens_and_shows_its_source_block(view) -> None:
    ask(view, ORDINARY[1])
    answer = ask(view, ORDINARY[0])  # a list question: several quotes, each with its [n]
    citations = answer.locator(".cite")
    expect(citations).to_have_count(answer.locator(".thought-group").count())
    assert citations.count() >= 2
    expect(citations.first).to_have_attribute("role", "link")
    expect(citations.first).to_have_accessible_name("Show source 1")
    citations.last.click()
    source = answer.locator(".thought-group").nth(citations.count() - 1)
    expect(source.locator(".title")).to_contain_text(f"Source [{citations.count()}]")
    expect(source.locator("mark").first).to_be_visible()
    expect(source.locator(".title")).to_have_attribute("aria-expanded", "true")
    settled(view)  # the block's opening
    expect(source.locator(".title")).to_be_in_viewport()
    citations.first.focus()  # and from the keyboard
    view.keyboard.press("Enter")
    first = answer.locator(".thought-group").first
    expect(first.locator(".title")).to_have_attribute("aria-expanded", "true")
    expect(first.locator("mark").first).to_be_visible()


@COLOUR_BLIND
def test_the_header_names_the_article_and_its_source_and_the_examples_look_clickable(view) -> None:
    expect(view).to_have_title("Repeated Back Muscle Spasms")
    expect(view.locator(".page-header h1")).to_have_text("Repeated Back Muscle Spasms")
    expect(view.locator(".page-header")).to_contain_text("quoted word for word")
    expect(view.locator(".page-header .source")).to_contain_text("Source: Health article supplied to the project")
    expect(view.locator(".page-header .disclaimer")).to_contain_text("not medical advice")
    assert 4 <= view.locator(".examples button").count() <= 6
    og = view.locator('meta[property="og:title"]')
    assert {og.nth(i).get_attribute("content") for i in range(og.count())} == {"Repeated Back Muscle Spasms"}
    chip = view.locator(".examples button").first
    style = chip.evaluate("e => { const s = getComputedStyle(e); "
                          "return [s.borderTopWidth, s.borderTopStyle, s.cursor]; }")
    assert style[0] != "0px" and style[1] == "solid" and style[2] == "pointer"
    box = chip.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24


# --- The page's own buttons, now that every event goes through the queue (bot/ui/limits.py) -----------


def let_chained_events_finish(page) -> None:
    """A fixed wait, knowingly. Gradio's ChatInterface ends an answer (and a retry) with chained events
    that copy the chat into the state the next action starts from and save it; they show nothing on
    the page (no element, class or request to wait for: the queue's join and stream were tried). An
    Undo or Clear sooner, on a loaded machine, can be overwritten by that late copy. A person takes
    longer than this between two clicks."""
    page.wait_for_timeout(1500)


def test_retry_undo_example_and_clear_work_with_every_event_queued(page) -> None:
    ask(page, "Does ice help?")
    bot = page.get_by_test_id("bot")
    answers = bot.count()
    page.get_by_label("Retry").last.click()
    expect(page.get_by_test_id("textbox")).to_be_editable(timeout=ANSWER_TIMEOUT)
    expect(bot).to_have_count(answers, timeout=ANSWER_TIMEOUT)
    expect(page.locator(".user-row")).to_have_count(1)
    let_chained_events_finish(page)
    page.get_by_label("Undo").last.click()
    expect(page.locator(".user-row")).to_have_count(0, timeout=ANSWER_TIMEOUT)
    expect(page.get_by_test_id("textbox")).to_have_value("Does ice help?", timeout=ANSWER_TIMEOUT)
    ask(page, "What can trigger a back spasm?")
    expect(page.locator(".user-row")).to_have_count(1)
    let_chained_events_finish(page)
    page.get_by_label("Clear").last.click()
    expect(page.get_by_test_id("bot")).to_have_count(0, timeout=ANSWER_TIMEOUT)
    page.locator(".examples button, button.example").first.click()
    expect(page.get_by_test_id("bot").first).to_be_visible(timeout=ANSWER_TIMEOUT)
