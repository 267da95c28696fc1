"""The page's own buttons still work now that every event goes through the queue (bot/ui/limits.py).

Uses tests/test_browser.py's page and browser: a real Chromium on a page served on loopback.
"""

from __future__ import annotations

from test_browser import ANSWER_TIMEOUT, ask, browser, context_for, expect, page, pytestmark, settings, url  # noqa: F401


def let_chained_events_finish(page) -> None:  # noqa: F811
    """A fixed wait, knowingly. Gradio's ChatInterface ends an answer (and a retry) with chained events
    that copy the chat into the state the next action starts from and save it; they show nothing on
    the page (no element, class or request to wait for: the queue's join and stream were tried). An
    Undo or Clear sooner, on a loaded machine, can be overwritten by that late copy. A person takes
    longer than this between two clicks."""
    page.wait_for_timeout(1500)


def test_retry_undo_example_and_clear_work_with_every_event_queued(page) -> None:  # noqa: F811
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
