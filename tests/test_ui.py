"""How an answer becomes chat messages, and what a session remembers (no server needed)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from bot.answer import Answer, Passage
from bot.chatbot import Chatbot
from bot.config import REPO_ROOT
from bot.ui import as_typed, from_typed, highlight, history_for_bot, keep_last_turns, render_answer
from bot.ui.feedback import FeedbackLog
from bot.ui.page import page_header, page_info, rewrite_meta

TEXT = "First sentence. The <b>quoted</b> & bold part.\nSecond line of it. Last bit."


def passage(text: str = TEXT, quote: str = "The <b>quoted</b> & bold part.\nSecond line", start: int = 100) -> Passage:
    offset = text.index(quote)
    return Passage(text=text, quote=quote, source="Art & Craft › Section <1>", section="Section <1>", score=0.5,
                   doc="a.md", start=start, end=start + len(text), quote_start=start + offset,
                   quote_end=start + offset + len(quote), title="Art & Craft", kind="paragraph")


def test_the_quote_is_highlighted_inside_the_whole_passage_and_everything_is_escaped() -> None:
    assert highlight(passage()) == (
        "First sentence. <mark>The &lt;b&gt;quoted&lt;/b&gt; &amp; bold part.</mark>\n"
        "<mark>Second line</mark> of it. Last bit."
    )


def test_an_answer_is_the_quotes_then_one_closed_source_block_per_quote() -> None:
    quoted = [passage(), passage(quote="Last bit.")]
    answer = Answer(question="q", abstained=False, passages=quoted, quoted=quoted, confidence="medium")
    main, first, second = render_answer(answer)
    assert main.content.index("The article says:") < main.content.index("> The &lt;b&gt;quoted")
    assert "> — **[1]** Art &amp; Craft › Section &lt;1&gt;" in main.content
    assert "> — **[2]** Art &amp; Craft › Section &lt;1&gt;" in main.content
    assert 'class="band band-medium"' in main.content
    assert first.metadata == {"title": "Source [1]: Art &amp; Craft › Section &lt;1&gt;", "status": "done"}
    assert "<mark>Last bit.</mark>" in second.content and second.metadata["title"].startswith("Source [2]")


def test_an_urgent_notice_comes_first_and_notes_before_the_quotes() -> None:
    answer = Answer(question="q", abstained=False, passages=[passage()], quoted=[passage()], confidence="high",
                    notes=["Your question was cut <here>."], urgent="Get urgent medical help. Call <now>.")
    urgent, main, _ = render_answer(answer)
    assert urgent.content == '<div class="urgent">⚠️ <strong>Get urgent medical help.</strong> Call &lt;now&gt;.</div>'
    assert main.content.index("Your question was cut &lt;here&gt;.") < main.content.index("The article says:")


def test_a_silent_article_says_so_echoes_the_question_and_offers_suggestions() -> None:
    answer = Answer(question="<i>capital</i> of [France](http://x)?", abstained=True, passages=[passage()],
                    quoted=[], confidence="low", covered_topics=["Causes", "Symptoms & signs"],
                    suggestions=["What can trigger a back spasm?", "Is ice or heat better?", "Why?"])
    (message,) = render_answer(answer)
    assert "**The article does not cover this.**" in message.content
    asked = '<div class="asked">You asked: “&lt;i&gt;capital&lt;/i&gt; of &#91;France&#93;(http://x)?”</div>'
    assert asked in message.content
    assert "It covers: Causes; Symptoms &amp; signs." in message.content
    assert [o["value"] for o in message.options] == answer.suggestions


def test_a_persons_message_is_shown_as_typed_and_read_back_unchanged() -> None:
    typed = "![x](https://evil.example/t.png) <b>hi</b> & <https://evil.example>\n\n    indented"
    shown = as_typed(typed)
    assert shown.startswith('<div class="typed">') and "\n\n" not in shown  # one HTML block: no Markdown inside
    assert "<b>" not in shown and "&lt;b&gt;" in shown
    assert from_typed(shown) == typed and as_typed(shown) == shown and from_typed("plain") == "plain"
    assert len(as_typed("<&>" * 1000, limit=400)) <= 400 and from_typed(as_typed("<&>" * 1000, 400)).startswith("<&>")


def test_the_bot_sees_the_conversation_as_plain_turns_without_source_blocks() -> None:
    history = [
        {"role": "user", "content": [{"type": "text", "text": "Does ice help?"}]},  # as the browser sends it
        {"role": "assistant", "content": '<div class="urgent">Get help &amp; now.</div>'},
        {"role": "assistant", "content": "The article says:\n\n> Ice therapy"},
        {"role": "assistant", "content": "<mark>Ice</mark>", "metadata": {"title": "Source [1]: x"}},
        {"role": "user", "content": as_typed("x" * 50)},
    ]
    assert history_for_bot(history, max_turns=20, max_chars=20) == [
        {"role": "user", "content": "Does ice help?"},
        {"role": "assistant", "content": "Get help & now.\n\nThe article says:\n\n> Ice therapy"},
        {"role": "user", "content": "x" * 20},
    ]
    assert history_for_bot(history, max_turns=1, max_chars=20) == history_for_bot(history, 20, 20)[-2:]


def test_a_session_keeps_whole_turns_from_the_last_questions() -> None:
    history = []
    for n in range(5):
        history += [{"role": "user", "content": f"q{n}"}, {"role": "assistant", "content": f"a{n}"},
                    {"role": "assistant", "content": "src", "metadata": {"title": "Source [1]"}}]
    kept = keep_last_turns(history, 2)
    assert [m["content"] for m in kept] == ["q3", "a3", "src", "q4", "a4", "src"]
    assert keep_last_turns(history, 10) == history


def test_feedback_is_appended_as_one_json_line_per_vote(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "sub" / "feedback.jsonl")
    log.record("like", "Does ice help?", "The article says…", 1)
    log.record("dislike", "Why?", "The article does not cover this.", 3)
    lines = [json.loads(line) for line in log.path.read_text(encoding="utf-8").splitlines()]
    recorded = [(e["rating"], e["question"], e["index"]) for e in lines]
    assert recorded == [("like", "Does ice help?", 1), ("dislike", "Why?", 3)]
    assert all(e["time"].endswith("+00:00") for e in lines)


def test_a_vote_is_kept_short_and_a_read_only_log_does_not_break_the_page(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    entry = log.record("like", "q" * 100_000, "a" * 100_000, {"not": "an index"})
    assert entry is not None and len(entry["question"]) <= 4001 and entry["index"] is None
    assert log.path.stat().st_size < 10_000
    (tmp_path / "a-file").write_text("")  # a folder that cannot be made, even by root
    assert FeedbackLog(tmp_path / "a-file" / "feedback.jsonl").record("like", "q", "a", 1) is None


def test_a_real_answer_renders_every_quoted_passage(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("What are the symptoms of back spasms?")
    messages = render_answer(answer)
    assert len([m for m in messages if m.metadata]) == len(answer.quoted)
    assert render_answer(replace(answer, quoted=[]))[0].content.endswith("The article says:")


def test_an_urgent_reply_with_nothing_to_quote_is_the_notice_alone() -> None:
    answer = Answer(question="q", abstained=True, passages=[passage()], quoted=[], confidence="low",
                    covered_topics=["Causes"], urgent="Get urgent medical help. Call now.",
                    notes=["Read as a follow-up"],
                    suggestions=["What can trigger a back spasm?"])
    (notice,) = render_answer(answer)
    assert notice.content.startswith('<div class="urgent">') and not notice.options
    hidden = ("The article does not cover", "It covers", "Match:", "follow-up")
    assert all(word not in notice.content for word in hidden)


def test_the_header_names_the_article_and_its_source_escaped(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: Bees & <Wasps>\nsource: https://example.org/bees?a=1&b=2\n---\nText.\n",
                                   encoding="utf-8")
    info = page_info(tmp_path)
    header = page_header(info)
    assert "<h1>Bees &amp; &lt;Wasps&gt;</h1>" in header
    assert 'Source: <a href="https://example.org/bees?a=1&amp;b=2" rel="noopener noreferrer"' in header
    assert "not medical advice" in header
    (tmp_path / "a.md").write_text("---\ntitle: T\nsource: a leaflet <b>from</b> a clinic\n---\nText.\n",
                                   encoding="utf-8")
    assert "Source: a leaflet &lt;b&gt;from&lt;/b&gt; a clinic" in page_header(page_info(tmp_path))


def test_the_served_page_carries_the_articles_title_in_its_preview_tags() -> None:
    info = page_info(REPO_ROOT / "corpus")
    template = ('<html><head>\n<meta property="og:title" content="Gradio" />\n'
                '<meta property="og:url" content="{url}" />'
                '<meta name="twitter:title" content="Gradio" />\n</head></html>')
    page = rewrite_meta(template, info)
    assert 'content="Gradio"' not in page and "{url}" not in page
    assert '<meta property="og:title" content="Repeated Back Muscle Spasms" />' in page
    assert "<title>Repeated Back Muscle Spasms</title>" in page
    assert "Not medical advice." in info.description and "not medical advice" in info.copy_note
