"""How an answer becomes chat messages, and what a session remembers (no server needed)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from bot.answer import LEAD, PARTIAL, Answer, Passage
from bot.chatbot import Chatbot
from bot.config import REPO_ROOT
from bot.ui import as_typed, from_typed, highlight, history_for_bot, keep_last_turns, render_answer
from bot.ui.feedback import FeedbackLog
from bot.ui.page import page_header, page_info, rewrite_meta
from bot.ui.session import answered_turns
from bot.ui.smalltalk import small_talk

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


def test_an_answer_card_has_one_source_line_per_section_and_a_passage_block_only_where_it_says_more() -> None:
    cut = passage()  # its quote is part of the passage
    whole = passage(text="Last bit.", quote="Last bit.")  # its quote is the whole passage
    other = replace(passage(quote="Last bit."), source="Art & Craft › Other <2>", section="Other <2>")
    answer = Answer(question="q", abstained=False, passages=[cut, whole, other], quoted=[cut, whole, other],
                    confidence="medium")
    card, *blocks = render_answer(answer)
    text = card.content
    assert text.startswith('<span class="band band-medium">Fair match to your question</span>')
    assert text.index("The article says:") < text.index("> The &lt;b&gt;quoted")
    assert "> Second line **[1]**" in text and "> Last bit. **[2]**" in text and "**[3]**" in text
    assert text.count("— Art &amp; Craft › Section &lt;1&gt;") == 1, "one source line for the two quotes of a section"
    assert text.count("— Art &amp; Craft › Other &lt;2&gt;") == 1
    assert "title=" not in text and "Match:" not in text, "the label is visible words, not a tooltip"
    # A block with the whole passage only where it holds more than the quote: [1] and [3], not [2].
    assert [b.metadata["title"] for b in blocks] == ["The whole passage around [1]", "The whole passage around [3]"]
    assert blocks[0].metadata["status"] == "done" and "<mark>Second line</mark>" in blocks[0].content
    assert "Art &amp; Craft" not in blocks[0].content, "the source is named once, in the card"


def test_several_items_of_one_list_read_as_a_compact_list_under_their_section() -> None:
    items = [replace(passage(text=t, quote=t), kind="bullet") for t in ("Rest a <little>.", "Use ice.", "Use heat.")]
    answer = Answer(question="q", abstained=False, passages=items, quoted=items, confidence="high")
    (card,) = render_answer(answer)
    assert card.content.count("Art &amp; Craft › Section &lt;1&gt;") == 1
    assert '<span class="list-intro">Three points from Art &amp; Craft › Section &lt;1&gt;:</span>' in card.content
    assert "> - Rest a &lt;little&gt;. **[1]**\n> - Use ice. **[2]**\n> - Use heat. **[3]**" in card.content
    assert "Close match to your question" in card.content


def test_a_partial_answer_is_labelled_as_not_answering_and_never_as_a_close_match() -> None:
    quoted = [passage()]
    full = Answer(question="q", abstained=False, passages=quoted, quoted=quoted, confidence="high")
    partial = replace(full, partial=True)
    (full_card, _), (partial_card, _) = render_answer(full), render_answer(partial)
    assert partial.coverage == "partial"
    assert partial_card.content.startswith('<span class="band band-partial">Not a direct answer</span>')
    assert PARTIAL in partial_card.content and LEAD not in partial_card.content
    assert "Close match" not in partial_card.content and "band-high" not in partial_card.content
    assert full_card.content.startswith('<span class="band band-high">Close match to your question</span>')
    assert "**[1]**" in partial_card.content, "its quotes are cited like any other"


def test_what_the_article_never_mentions_is_named_in_the_visitors_words_escaped() -> None:
    quoted = [passage()]
    partial = Answer(question="q", abstained=False, passages=quoted, quoted=quoted, confidence="low",
                     partial=True, unmentioned=("<b>Vicodin</b>",))
    refused = Answer(question="q", abstained=True, passages=quoted, quoted=[], confidence="low",
                     unmentioned=("nurofen", "tens machine"))
    (partial_card, _), (refused_card, *_) = render_answer(partial), render_answer(refused)
    assert "it does not mention “&lt;b&gt;Vicodin&lt;/b&gt;”. The closest it comes:" in partial_card.content
    assert "<b>Vicodin" not in partial_card.content and "<b>Vicodin" not in partial.markdown
    refusal = "**The article does not cover this. It does not mention “nurofen” or “tens machine”.**"
    assert refusal in refused_card.content


def test_an_urgent_notice_comes_first_and_notes_before_the_quotes() -> None:
    answer = Answer(question="q", abstained=False, passages=[passage()], quoted=[passage()], confidence="high",
                    notes=["Your question was cut <here>."], urgent="Get urgent medical help. Call <now>.")
    urgent, main, _ = render_answer(answer)
    assert urgent.content == '<div class="urgent">⚠️ <strong>Get urgent medical help.</strong> Call &lt;now&gt;.</div>'
    assert main.content.index("Your question was cut &lt;here&gt;.") < main.content.index("The article says:")


def test_a_silent_article_says_so_echoes_the_question_and_offers_suggestions_inside_the_message() -> None:
    answer = Answer(question="<i>capital</i> of [France](http://x)?", abstained=True, passages=[passage()],
                    quoted=[], confidence="low", covered_topics=["Causes", "Symptoms & signs"],
                    suggestions=["What can trigger a back spasm?", "Is <ice> better?", "Why?"])
    (message,) = render_answer(answer)
    assert message.content.startswith("**The article does not cover this.**"), "no match label on a refusal"
    assert "band" not in message.content
    asked = '<div class="asked">You asked: “&lt;i&gt;capital&lt;/i&gt; of &#91;France&#93;(http://x)?”</div>'
    assert asked in message.content
    assert "It covers: Causes; Symptoms &amp; signs." in message.content
    # In the message, so they are still there (and copied) after the next question; no option chips.
    assert message.content.endswith('Questions it can answer:\n\n<ul class="suggestions"><li>What can trigger a back '
                                    "spasm?</li><li>Is &lt;ice&gt; better?</li><li>Why?</li></ul>")
    assert not message.options


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


def test_a_real_answer_cites_every_quoted_passage(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("What are the symptoms of back spasms?")
    card = render_answer(answer)[0].content
    assert len(answer.quoted) >= 2
    assert [f"**[{n}]**" in card for n in range(1, len(answer.quoted) + 2)] == [True] * len(answer.quoted) + [False]
    assert card.count(answer.quoted[0].source) == 1
    assert render_answer(replace(answer, quoted=[]))[0].content.endswith("The article says:")


def test_an_urgent_reply_with_nothing_to_quote_is_the_notice_alone() -> None:
    answer = Answer(question="q", abstained=True, passages=[passage()], quoted=[], confidence="low",
                    covered_topics=["Causes"], urgent="Get urgent medical help. Call now.",
                    notes=["Read as a follow-up"],
                    suggestions=["What can trigger a back spasm?"])
    (notice,) = render_answer(answer)
    assert notice.content.startswith('<div class="urgent">') and not notice.options
    hidden = ("The article does not cover", "It covers", "band", "follow-up")
    assert all(word not in notice.content for word in hidden)


def test_the_header_names_the_article_and_where_it_comes_from_only_when_known(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: Bees & <Wasps>\npublisher: The <Bee> Society\n"
                                   "url: https://example.org/bees?a=1&b=2\n---\nText.\n", encoding="utf-8")
    header = page_header(page_info(tmp_path))
    assert "<h1>Bees &amp; &lt;Wasps&gt;</h1>" in header
    assert ('<p class="source">From The &lt;Bee&gt; Society · <a href="https://example.org/bees?a=1&amp;b=2" '
            'rel="noopener noreferrer" target="_blank">') in header
    assert "not medical advice" in header
    (tmp_path / "a.md").write_text("---\ntitle: T\nsource: a leaflet <b>from</b> a clinic\nurl: javascript:x\n---\n"
                                   "Text.\n", encoding="utf-8")
    header = page_header(page_info(tmp_path))
    assert "From a leaflet &lt;b&gt;from&lt;/b&gt; a clinic</p>" in header and "javascript" not in header
    (tmp_path / "a.md").write_text("---\ntitle: T\n---\nText.\n", encoding="utf-8")
    assert 'class="source"' not in page_header(page_info(tmp_path)), "nothing said about an unknown source"
    shipped = page_header(page_info(REPO_ROOT / "corpus"))
    assert 'class="source"' not in shipped and "seed" not in shipped and "supplied" not in shipped


def test_the_reading_panel_gets_the_article_in_order_with_its_headings_and_list_intros() -> None:
    from conftest import SECOND_DOC

    from bot.corpus import read_document
    from bot.ui.article import article_blocks

    shipped = page_info(REPO_ROOT / "corpus").articles[0]
    kinds = [b.kind for b in shipped.blocks]
    assert kinds[:2] == ["paragraph", "paragraph"] and kinds.count("heading") == 3 and kinds.count("item") == 15
    assert [b.text for b in shipped.blocks if b.kind == "heading"] == [
        "Causes of Back Muscle Spasms", "Symptoms of Back Muscle Spasms", "Treatment of Back Muscle Spasms"]
    # The second paragraph is one block again, though the index cut it in three pieces.
    assert shipped.blocks[1].text.startswith("Back spasm is the worst") and shipped.blocks[1].text.endswith(
        "causes, symptoms and treatment of back muscle spasms.")
    blocks = article_blocks(read_document(SECOND_DOC, SECOND_DOC.parent))
    texts = [b.text for b in blocks]
    assert texts[texts.index("Common triggers include:") + 1].startswith("Emotional stress")  # a list's intro is kept
    assert any(b.kind == "heading" and b.level == 2 for b in blocks)
    first = page_info(REPO_ROOT / "corpus").panel[0]["blocks"][0]
    assert first == {"kind": "paragraph", "text": shipped.blocks[0].text}


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


def test_a_follow_up_is_read_only_with_questions_that_were_answered() -> None:
    turns = [
        {"role": "user", "content": "Does ice help?"},
        {"role": "assistant", "content": "The article says:\n\n> Ice therapy … **[1]**"},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "The article does not cover this.\n\nYou asked: …"},
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "Hello! Ask me about … For example:"},
    ]
    assert answered_turns(turns) == turns[:2]
    assert answered_turns(turns[2:]) == []


def test_greetings_thanks_and_help_are_small_talk_and_anything_more_is_a_question() -> None:
    talk = {"hello": "greeting", "Hi there!": "greeting", "good morning": "greeting", "ok thanks": "thanks",
            "Thank you so much!": "thanks", "bye": "thanks", "ok": "acknowledge", "great 👍": "acknowledge",
            "help": "help", "what can you do?": "help"}
    assert {message: small_talk(message) for message in talk} == talk
    for question in ("hi, does ice help?", "help, I can't feel my legs", "What is good for a spasm?",
                     "thanks, and heat?", "so", "", "😖😖"):
        assert small_talk(question) is None, question
