"""The chat page in a real browser: Debian's Chromium driven by Playwright, against a live server.

Never `playwright install` (it downloads a browser build): `.ci/setup --test` installs Debian's
`chromium` package, and these tests skip, saying why, only where there is none. Screenshots go
to tests/artifacts/; docs/screenshot*.png are copies of desktop.png, desktop-light-article.png
(screenshot-article.png), mobile.png, desktop-dark-red-flag.png (screenshot-dark.png) and desktop-partial.png
(screenshot-partial.png).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, TESTS, Server, free_port, wait_until

from bot.answer import LEAD, PARTIAL_NAMED
from bot.chatbot import Chatbot
from bot.config import REPO_ROOT, Settings

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
    expect(tab.locator("html[data-page-ready]")).to_be_attached()  # bot/data/page.js has run
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


# Records any text Gradio's progress display shows on the page ("queue: 1/1 | 0.1s"), from now on.
_WATCH_PROGRESS = """() => {
    window.__progress = [];
    new MutationObserver(() => {
        for (const tracker of document.querySelectorAll('[data-testid="status-tracker"]')) {
            const text = tracker.innerText.trim();
            if (text && tracker.checkVisibility({opacityProperty: true, visibilityProperty: true})) {
                window.__progress.push(text);
            }
        }
    }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def test_an_answer_reads_at_a_glance_with_no_queue_or_timer_flashing(page) -> None:
    page.evaluate(_WATCH_PROGRESS)
    answer = ask(page, "Does ice help with back spasms?")
    card = answer.locator('[data-testid="bot"]').first
    expect(card.locator(".band")).to_have_text("Close match to your question")  # plain words, on screen
    expect(card.locator(".band")).to_be_visible()
    expect(card.locator("blockquote")).to_contain_text("Ice therapy can also prove to be a good treatment.")
    expect(card.locator(".source-line")).to_have_text("— Repeated Back Muscle Spasms › Treatment of Back Muscle Spasms")
    # The quote is the whole passage: no block repeating it, and the source is named once.
    expect(answer.locator(".thought-group")).to_have_count(0)
    assert answer.inner_text().count("Treatment of Back Muscle Spasms") == 1
    assert page.evaluate("window.__progress") == [], "Gradio's queue position or timer showed on a warm answer"
    screenshot(page, "desktop.png")


PARTLY_COVERED = "My dad is 74 and keeps getting back spasms. Could his osteoporosis have anything to do with it?"


def test_a_question_the_article_only_partly_answers_says_so_before_the_closest_quotes(page, repo_bot: Chatbot) -> None:
    assert repo_bot.ask(PARTLY_COVERED).coverage == "partial"  # what the page must show
    answer = ask(page, PARTLY_COVERED)
    card = answer.locator('[data-testid="bot"]').first
    expect(card.locator(".band")).to_have_text("Not a direct answer")
    # It names, in the question's own words, what the article never mentions (bot/unmentioned.py).
    expect(card).to_contain_text(PARTIAL_NAMED.format(names="“osteoporosis”"))
    expect(card).not_to_contain_text(LEAD)
    expect(card.locator("blockquote").first).to_contain_text("Degenerative diseases, like osteoarthritis")
    settled(page)
    screenshot(page, "desktop-partial.png")


# Questions whose quote is usually one sentence of a longer passage (the first such one is asked).
HIGHLIGHT_CANDIDATES = ["Are spasms hard to diagnose?", "Can a spasm tear the muscle?", "Does massage help?",
                        "Can pregnancy cause back spasms?", "Can a lack of vitamin D cause spasms?"]


def test_the_quote_is_highlighted_inside_its_longer_passage(page, repo_bot: Chatbot) -> None:
    question, passage = next((q, a.quoted[0]) for q in HIGHLIGHT_CANDIDATES
                             if (a := repo_bot.ask(q)).quoted and len(a.quoted[0].quote) < len(a.quoted[0].text))
    answer = ask(page, question)
    source = answer.locator(".thought-group").first
    expect(source.locator(".title")).to_have_text("The whole passage around [1]")
    expect(source.locator("mark")).to_have_count(0)  # closed: status "done"
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


def test_a_silent_article_offers_questions_inside_its_message_that_stay_after_the_next_one(page) -> None:
    ask(page, "What is the capital of France?")
    answer = page.locator(".bot-row").first  # this one, also once it is no longer the last
    expect(answer).to_contain_text("The article does not cover this.")
    expect(answer.locator(".band")).to_have_count(0)  # no match label on "not covered"
    offered = answer.locator("button.suggestion")
    expect(offered).to_have_count(3)
    expect(page.locator(".options button")).to_have_count(0)  # none of Gradio's detached chips
    chosen = offered.first.inner_text()
    offered.first.click()
    expect(page.get_by_test_id("user").last).to_have_text(chosen, timeout=ANSWER_TIMEOUT)
    expect(page.locator(".bot-row").last).to_contain_text("The article says:", timeout=ANSWER_TIMEOUT)
    expect(offered).to_have_count(3)  # still there, and still readable, after the next question
    expect(answer).to_contain_text("Questions it can answer:")
    page.get_by_label("Copy conversation").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f"Questions it can answer:\n\n- {chosen}" in copied


def test_greetings_get_a_friendly_reply_and_a_follow_up_is_read_only_with_an_answered_question(page) -> None:
    reply = ask(page, "hello")
    expect(reply).to_contain_text("Hello! Ask me about “Repeated Back Muscle Spasms”")
    expect(reply).not_to_contain_text("does not cover")
    expect(reply.locator("button.suggestion")).to_have_count(3)
    follow_up = ask(page, "and what about heat?")
    expect(follow_up.locator("blockquote").first).to_contain_text("Heat or hydrotherapy")
    expect(follow_up).not_to_contain_text("follow-up")  # "hello" was not a question it answered
    again = ask(page, "and ice?")
    expect(again.locator(".note")).to_have_text("Read as a follow-up to “and what about heat?”.")


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


def test_the_page_works_on_a_phone_and_a_list_answer_fits_about_one_screen(tab_for, url: str) -> None:
    page = open_page(tab_for("phone-light"), url)
    answer = ask(page, ORDINARY[1])  # the article's six treatments
    card = answer.locator('[data-testid="bot"]').first
    expect(card.locator(".list-intro")).to_have_text(
        "Six points from Repeated Back Muscle Spasms › Treatment of Back Muscle Spasms:")
    expect(card.locator("blockquote li")).to_have_count(6)
    expect(card.locator(".source-line")).to_have_count(0)  # the list's intro names its section, once
    height = answer.bounding_box()["height"]
    assert height <= 844, f"the treatments take {height:.0f} px, more than one 844 px screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
    expect(page.get_by_test_id("textbox")).to_be_in_viewport()
    assert_scrolled_to_its_top(answer)
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


def violations(page) -> list[str]:
    """axe-core's violations on the page as it is now, at every impact (minor included), one line each."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install -e '.[test]'")
    settled(page)  # Gradio's fade-in of a new message: colours are judged once it is opaque
    result = axe.Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [f"{v['impact']} {v['id']}: {node['target']}" for v in result.response["violations"] for node in v["nodes"]]


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


#: The colour contrast of an icon (its stroke against what is behind it), for WCAG 1.4.11's 3:1.
ICON_CONTRAST = CONTRAST.replace("getComputedStyle(el).color", "getComputedStyle(el.querySelector('svg') || el).color")
#: The placeholder's colour against the box's, for AA's 4.5:1.
PLACEHOLDER_CONTRAST = CONTRAST.replace("getComputedStyle(el).color", "getComputedStyle(el, '::placeholder').color")


def test_no_accessibility_violations_at_any_impact_and_readable_colours_everywhere(view) -> None:
    assert violations(view) == []  # the page as it opens
    box = view.get_by_test_id("textbox")
    assert box.evaluate(PLACEHOLDER_CONTRAST) >= 4.5, "the placeholder is the box's only visible label"
    ask(view, ORDINARY[0])
    assert violations(view) == []
    icons = view.locator("#chat .message-buttons button.icon-button, #chat .top-panel button.icon-button")
    assert icons.count() >= 3
    assert min(icons.nth(i).evaluate(ICON_CONTRAST) for i in range(icons.count())) >= 3
    view.locator(".bot-row .cite").first.click()  # the article, open at the quote
    expect(view.locator("#article-panel mark.current")).to_be_focused()
    assert violations(view) == []
    view.keyboard.press("Escape")
    notice = ask(view, RED_FLAG).locator(".urgent")
    expect(notice).to_contain_text(NAMED)  # the signs it read, named, in every view
    assert violations(view) == []
    # The urgent notice's colours, measured in every scheme (axe leaves a colour pair it cannot
    # decide out of its violations): it must be readable in dark mode too.
    expect(notice).to_be_in_viewport()
    assert notice.locator("strong").evaluate(CONTRAST) >= 4.5 and notice.evaluate(CONTRAST) >= 4.5
    screenshot(view, f"{view.view_name}-red-flag.png")
    view.get_by_label("Clear", exact=True).first.click()  # the question before clearing
    expect(view.locator("#clear-dialog")).to_be_visible()
    assert violations(view) == []
    view.keyboard.press("Escape")


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
    answer = ask(view, RED_FLAG)
    notice = answer.locator(".urgent")
    expect(notice).to_contain_text("Get urgent medical help.")
    expect(notice).to_be_in_viewport()
    assert_scrolled_to_its_top(answer)
    assert notice.locator("strong").evaluate(CONTRAST) >= 4.5 and notice.evaluate(CONTRAST) >= 4.5
    expect(answer).not_to_contain_text("The article does not cover this.")
    expect(answer).not_to_contain_text("It covers")
    expect(answer.locator(".band")).to_have_count(0)
    expect(answer.locator("button.suggestion")).to_have_count(0)
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
    assert "“Ice therapy can also prove to be a good treatment. Applying ice will reduce the swelling and relieve " \
           "the pain.” [1]\n— Repeated Back Muscle Spasms › Treatment of Back Muscle Spasms" in copied
    assert copied.rstrip().endswith("This is not medical advice: if you are worried about your symptoms, "
                                    "talk to a doctor.")
    view.get_by_label("Copy conversation").click()
    everything = view.evaluate("navigator.clipboard.readText()")
    assert "You asked: Can't I just rest in bed?" in everything
    assert "You asked: Does ice help with back spasms?" in everything
    assert everything.count("The article says:") == 2 and everything.count("not medical advice") == 1
    for text in (copied, everything):
        for markup in ("<", ">", "**", "&#", "&amp;", "match to your question", "class=", "You asked\n", "answered\n"):
            assert markup not in text, f"{markup!r} in the copied text"


@COLOUR_BLIND
def test_the_textbox_notes_the_limit_ignores_blank_input_keeps_its_placeholder_and_focus(view) -> None:
    box = view.get_by_test_id("textbox")
    placeholder = box.get_attribute("placeholder")
    assert placeholder
    expect(box).to_have_accessible_name("Your question about the article")  # not "… Send question"
    if not view.view_name.startswith("phone"):  # no keyboard popping up unasked on a touch screen
        expect(box).to_be_focused()  # ready to type in, the page still at its top
    assert view.evaluate("window.scrollY") == 0
    box.focus()  # a text box shows its focus however it got it (:focus-visible)
    ring = box.evaluate("e => getComputedStyle(e.closest('.block')).outlineStyle + ' ' + "
                        "getComputedStyle(e.closest('.block')).outlineWidth")
    assert ring.split()[0] != "none" and float(ring.split()[1].rstrip("px")) >= 2, ring
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
def test_a_citation_opens_the_article_at_its_quote_highlighted_and_closing_returns_to_it(view) -> None:
    answer = ask(view, ORDINARY[0])  # a list question: several quotes, each with its [n]
    citations = answer.locator(".cite")
    assert citations.count() >= 2
    expect(citations.first).to_have_attribute("role", "link")
    expect(citations.first).to_have_accessible_name("Quote 1: show it in the article")
    panel = view.locator("#article-panel")
    expect(panel).to_be_hidden()
    citations.last.click()
    expect(panel).to_be_visible()
    current = panel.locator("mark.current")
    expect(current).to_be_focused()
    expect(current).to_be_in_viewport()
    last_quote = answer.locator("blockquote li").last.inner_text().rsplit("[", 1)[0]
    assert _words(current.inner_text()) == _words(last_quote), "the quote, found in the article"
    expect(panel.locator("mark.quoted")).to_have_count(citations.count())  # the answer's other quotes too
    expect(panel.locator("h4").filter(has_text="Symptoms of Back Muscle Spasms")).to_have_count(1)
    if view.view_name.startswith("phone"):  # over the chat: a dialog
        expect(panel).to_have_attribute("aria-modal", "true")
    else:  # beside the chat, which stays readable
        assert panel.bounding_box()["x"] >= answer.bounding_box()["x"] + answer.bounding_box()["width"] - 1
    screenshot(view, f"{view.view_name}-article.png")
    view.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(citations.last).to_be_focused()  # back where the reader was
    citations.first.focus()  # and from the keyboard
    view.keyboard.press("Enter")
    expect(panel.locator("mark.current")).to_be_focused()
    panel.get_by_role("button", name="Close the article").click()
    expect(panel).to_be_hidden()
    view.get_by_role("button", name="Read the article").click()  # the whole article, from the header
    expect(panel).to_be_visible()
    expect(panel.locator("article h3")).to_have_text("Repeated Back Muscle Spasms")
    view.get_by_role("button", name="Close the article").click()


@COLOUR_BLIND
def test_the_header_names_the_article_and_its_source_and_the_examples_look_clickable(view) -> None:
    expect(view).to_have_title("Repeated Back Muscle Spasms")
    expect(view.locator(".page-header h1")).to_have_text("Repeated Back Muscle Spasms")
    expect(view.locator(".page-header")).to_contain_text("quoted word for word")
    expect(view.locator(".page-header .source")).to_have_count(0)  # the corpus names no publisher: nothing said
    expect(view.locator(".page-header")).not_to_contain_text("supplied")
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
    sizes = view.evaluate("() => { const e = performance.getEntriesByType('navigation')[0]; "
                          "return [e.encodedBodySize, e.decodedBodySize]; }")
    assert sizes[0] < sizes[1] / 3, f"the page came uncompressed: {sizes}"


@COLOUR_BLIND
def test_each_message_has_a_heading_the_toolbar_covers_nothing_and_a_phone_gets_44_px_targets(view) -> None:
    question = "Can stretching or a massage help when my lower back keeps going into spasm after a long day at work?"
    ask(view, question)
    # A screen reader can tell questions from answers and jump between them.
    expect(view.get_by_role("heading", name="You asked", exact=True)).to_have_count(1)
    expect(view.get_by_role("heading", name="The bot answered", exact=True)).to_have_count(1)
    # One line under the latest answer's thumbs says what a vote stores.
    note = view.locator("#chat .vote-note")
    expect(note).to_have_count(1)
    expect(note).to_have_text("A thumb up or down stores your question and this answer on the server, "
                              "nothing about you.")
    like = view.locator("#chat .message-buttons").last.get_by_label("Like", exact=True)
    settled(view)  # positions are read once the answer has faded in (on a loaded machine it is still moving)
    assert 0 <= note.bounding_box()["y"] - (like.bounding_box()["y"] + like.bounding_box()["height"]) < 24
    # The Clear / Copy conversation bar never lies over a message: it has a row of its own, above the
    # conversation's scrolling area, wherever that area is scrolled to.
    bar = view.locator("#chat .top-panel").bounding_box()
    log = view.locator("#chat .bubble-wrap")
    for end in ("0", "e.scrollHeight"):
        log.evaluate(f"e => {{ e.scrollTop = {end}; }}")
        area = log.bounding_box()
        assert bar["y"] + bar["height"] <= area["y"] + 1, "the toolbar lies over the conversation"
        rows = [r for row in view.locator("#chat .message-row").all() if (r := row.bounding_box())]
        assert any(r["y"] < area["y"] + area["height"] and r["y"] + r["height"] > area["y"] for r in rows)
    if view.view_name.startswith("phone"):
        targets = view.locator("#chat .message-buttons button, #chat .top-panel button, "
                               "[data-testid='submit-button'], .read-article, #chat .thought-group .title")
        small = [(t.get_attribute("aria-label") or t.inner_text()[:20], round(b["width"]), round(b["height"]))
                 for t in targets.all() if (b := t.bounding_box()) and min(b["width"], b["height"]) < 44]
        assert small == [], f"targets under 44 px on a phone: {small}"


def test_the_page_opens_at_its_top_and_fits_the_readmes_embed(tab_for, url: str) -> None:
    """At 1366×650 and at 200 % zoom (683×325 CSS pixels) the page opens with its title and the
    not-medical-advice notice on screen; at the height the README's iframe gives it, nothing is cut."""
    page = tab_for("desktop")
    try:
        for width, height in [(1366, 650), (683, 325)]:
            page.set_viewport_size({"width": width, "height": height})
            open_page(page, url)
            settled(page)
            assert page.evaluate("window.scrollY") == 0
            expect(page.locator(".page-header h1")).to_be_in_viewport()
            expect(page.locator(".page-header .disclaimer")).to_be_in_viewport(ratio=1)
        embed = re.search(r'<iframe [^>]*height="(\d+)"', (REPO_ROOT / "README.md").read_text(encoding="utf-8"))
        assert embed, "the README shows an iframe with a height"
        for width in (390, 800, 1280):
            page.set_viewport_size({"width": width, "height": int(embed.group(1))})
            open_page(page, url)
            footer = page.locator("footer").bounding_box()
            assert footer["y"] + footer["height"] <= int(embed.group(1)), f"the footer is cut at {width} px wide"
    finally:
        page.set_viewport_size(SCREENS["desktop"]["viewport"])


def test_a_question_asked_while_the_bot_starts_stays_on_screen_and_says_so(tab_for, embedder) -> None:
    """A cold start made certain: the page's loader starts only once the question waits for it."""
    from bot.app import BotLoader, create_demo, launch

    settings = replace(Settings.for_repo(REPO_ROOT), feedback_log=None)
    loader = BotLoader(settings, embedder=embedder)
    demo = create_demo(settings, loader=loader)
    _, cold_url, _ = launch(demo, settings, host="127.0.0.1", port=free_port(), block=False, quiet=True)
    try:
        page = open_page(tab_for("desktop"), cold_url)
        question = "Does ice help with back spasms?"
        page.get_by_test_id("textbox").fill(question)
        page.keyboard.press("Enter")
        starting = page.locator(".bot-row .starting")
        expect(starting).to_contain_text("The bot is starting (about 10 s)… Your question will be answered")
        expect(page.get_by_test_id("user")).to_have_text(question)  # the question stays on screen
        screenshot(page, "desktop-starting.png")
        loader.start()
        expect(page.locator(".bot-row blockquote")).to_contain_text("Ice therapy", timeout=ANSWER_TIMEOUT)
        expect(starting).to_have_count(0)
        expect(page.get_by_test_id("bot")).to_have_count(1)  # the answer took the waiting message's place
    finally:
        demo.close()


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
    page.get_by_label("Clear", exact=True).last.click()  # asks first
    dialog = page.locator("#clear-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Clear the conversation?")
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".user-row")).to_have_count(1)  # kept
    page.get_by_label("Clear", exact=True).last.click()
    dialog.get_by_role("button", name="Clear").click()
    expect(page.get_by_test_id("bot")).to_have_count(0, timeout=ANSWER_TIMEOUT)
    page.locator(".examples button, button.example").first.click()
    expect(page.get_by_test_id("bot").first).to_be_visible(timeout=ANSWER_TIMEOUT)
