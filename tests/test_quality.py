"""Answer quality: list questions, follow-ups, abstention signals and a second document."""

from collections import Counter

import numpy as np
import pytest
from conftest import FIXTURES, TESTS, read_jsonl

from bot import spelling
from bot.abstention import PARTIAL_IN_SCOPE_MAX, calibrate, choose_thresholds, fit
from bot.answer import LEAD, PARTIAL, PARTIAL_NAMED, quoted_names
from bot.chatbot import Chatbot
from bot.evaluate import evaluate
from bot.followup import is_follow_up, resolve
from bot.retrieval import passage_votes
from bot.spelling import Speller

SECOND = "tension-headaches.md"


def conversation(*questions: str) -> list[dict]:
    history = []
    for question in questions:
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": "…"}]
    return history


# List questions

def test_a_list_question_quotes_the_whole_section_in_article_order(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("What are the symptoms of back spasms?")
    assert {p.section for p in answer.quoted} == {"Symptoms of Back Muscle Spasms"}
    assert len(answer.quoted) == 5
    starts = [p.start for p in answer.quoted]
    assert starts == sorted(starts)
    assert "twitching and nipping" in answer.quoted[0].quote


@pytest.mark.parametrize("question, section, items", [
    ("What treatments does the article suggest?", "Treatment of Back Muscle Spasms", 6),
    ("Which symptoms does the article list?", "Symptoms of Back Muscle Spasms", 5),
    ("what causes it?", "Causes of Back Muscle Spasms", 4),
])
def test_a_list_question_in_other_words_gets_every_item_in_article_order(repo_bot: Chatbot, question: str,
                                                                       section: str, items: int) -> None:
    answer = repo_bot.ask(question)
    assert not answer.abstained
    assert [p.section for p in answer.quoted] == [section] * items
    assert [p.start for p in answer.quoted] == sorted(p.start for p in answer.quoted)


def test_a_list_word_beside_a_topic_the_article_has_is_not_a_list_question(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("Which treatment uses ice?")
    assert len(answer.quoted) == 1 and "Ice therapy" in answer.quoted[0].quote


def test_a_specific_question_quotes_one_passage(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("Can a sports injury cause back spasms?")
    assert len(answer.quoted) == 1
    assert "Sport injury" in answer.quoted[0].quote or "sport injury" in answer.quoted[0].quote


def test_a_quote_is_the_answering_sentences_not_the_whole_long_passage(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("Can a pulled muscle lead to spasms?")
    first = answer.passages[0]
    assert len(first.text) > 250 and len(first.quote) <= 250
    assert "pull" in first.quote and first.quote in first.text


def test_a_misspelt_word_is_read_as_the_article_spells_it(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("sympotms of back spasms")
    assert answer.passages[0].section == "Symptoms of Back Muscle Spasms"


# Follow-ups

def test_the_speller_remembers_words_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every visitor's made-up words pass through it: what it remembers stays bounded."""
    monkeypatch.setattr(spelling, "_MAX_KNOWN", 5)
    speller = Speller(frozenset({"symptoms", "spasms", "muscle"}), 5, 0.8)
    for n in range(20):
        speller.correct(f"qwertz{'x' * n} sympotms")
        assert len(speller._known) <= 5
    assert speller.correct("sympotms of musle spasms") == (
        "symptoms of muscle spasms", {"sympotms": "symptoms", "musle": "muscle"})
    assert speller.correction("sympotms") == "symptoms" and speller.correction("zzzzzz") is None




def test_the_speller_offers_what_difflib_offers_from_the_whole_vocabulary(repo_bot: Chatbot) -> None:
    """It asks difflib only about the words of a possible length: the same corrections, sooner."""
    import difflib
    import random

    speller = repo_bot.retriever.speller
    whole = sorted(w for w in speller.vocabulary if len(w) >= spelling._MIN_CORRECTION_CHARS and w.isalpha())
    rng = random.Random(7)
    typos = []
    for word in sorted(speller.vocabulary):
        letters = list(word)
        spot = rng.randrange(len(letters))
        edit = rng.choice(["drop", "add", "swap"])
        if edit == "drop":
            del letters[spot]
        elif edit == "add":
            letters.insert(spot, rng.choice("aeiourstn"))
        else:
            letters[spot] = rng.choice("aeiourstn")
        typos.append("".join(letters))
    offered = [difflib.get_close_matches(t, speller._candidates(t), n=1, cutoff=speller.cutoff) for t in typos]
    assert offered == [difflib.get_close_matches(t, whole, n=1, cutoff=speller.cutoff) for t in typos]
    assert sum(map(bool, offered)) > len(typos) / 2  # most typos do have a correction
def test_a_follow_up_is_read_with_the_earlier_question(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("and how is it treated?", history=conversation("What causes back spasms?"))
    assert not answer.abstained
    assert answer.passages[0].section == "Treatment of Back Muscle Spasms"
    assert any("follow-up" in note for note in answer.notes)


def test_what_about_heat_after_ice_quotes_the_heat_passage(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("what about heat?", history=conversation("Does ice help with back spasms?"))
    assert "Heat or hydrotherapy" in answer.passages[0].quote


def test_a_bare_why_is_answered_from_the_earlier_question(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("why?", history=conversation("Should I take painkillers for back spasms?"))
    assert "pain" in answer.passages[0].text.lower()
    assert not answer.abstained


def test_a_self_contained_question_is_not_distorted_by_history(repo_bot: Chatbot) -> None:
    alone = repo_bot.ask("Can a sports injury cause back spasms?")
    in_chat = repo_bot.ask("Can a sports injury cause back spasms?", history=conversation("Does ice help?"))
    assert [p.start for p in in_chat.passages] == [p.start for p in alone.passages]
    assert not any("follow-up" in note for note in in_chat.notes)


def test_an_off_topic_question_after_an_on_topic_one_is_still_refused(repo_bot: Chatbot) -> None:
    assert repo_bot.ask("What is the capital of France?", history=conversation("Does ice help?")).abstained


def test_a_lone_it_refers_to_the_article_subject() -> None:
    resolved = resolve("can ignoring it make things worse?", None, frozenset({"back", "spasms"}),
                       subject="Repeated Back Muscle Spasms")
    assert "Repeated Back Muscle Spasms" in resolved.text and resolved.follow_up_to is None


@pytest.mark.parametrize("question, expected", [
    ("and how is it treated?", True), ("what about heat?", True), ("why?", True), ("is that safe?", True),
    ("how long?", True), ("What causes back spasms?", False), ("Does ice help with back spasms?", False),
])
def test_follow_up_detection(question: str, expected: bool) -> None:
    assert is_follow_up(question) is expected


# Abstention signals and calibration

@pytest.mark.parametrize("question", [
    "How do I treat a migraine?", "What are the symptoms of diabetes?", "Which stocks should I buy?",
    "How do I bake sourdough bread?", "what should i do during an asthma attack",
])
def test_off_topic_questions_are_refused(repo_bot: Chatbot, question: str) -> None:
    answer = repo_bot.ask(question)
    assert answer.abstained and answer.confidence == "low"
    assert "does not cover" in answer.markdown
    assert len(answer.suggestions) == 3


@pytest.mark.parametrize("question", [
    "can ignoring it make things worse?", "ice or heat?", "Should I take painkillers for back spasms?",
    "is it bad to lie in bed all day with a spasm",
])
def test_answerable_questions_far_from_any_passage_are_still_answered(repo_bot: Chatbot, question: str) -> None:
    assert not repo_bot.ask(question).abstained


def test_the_shipped_query_model_is_fitted_out_of_fold_and_stored_with_the_index(repo_bot: Chatbot) -> None:
    report = repo_bot.index.manifest["query_model"]["report"]
    assert report["folds"] == 5 and report["questions"] >= 700
    assert set(report["sources"]) >= {"lay.jsonl", "calibration.jsonl"}
    assert report["cv_hit_at_1"] >= 0.75
    assert report["abstention"]["cv_refused_in_scope"] <= 0.08
    assert report["abstention"]["cv_honest_out_of_scope"] >= 0.8  # refused, or answered as partial
    assert report["abstention"]["cv_partial_in_scope"] <= 0.25
    assert repo_bot.query_model.adapter.shape == (384, 384)
    assert not np.allclose(repo_bot.query_model.adapter, np.eye(384))


def test_calibration_separates_separable_signals() -> None:
    rng = np.random.default_rng(1)
    answerable = rng.normal(1.0, 0.2, size=(40, 3))
    unanswerable = rng.normal(-1.0, 0.2, size=(40, 3))
    x, y = np.vstack([answerable, unanswerable]), np.array([1] * 40 + [0] * 40)
    model, report = calibrate(x, y, np.arange(80) % 4)
    assert report["cv_refused_in_scope"] == 0 and report["cv_refused_out_of_scope"] == 1
    assert model.probability(np.array([1.0, 1.0, 1.0])) > 0.9 > 0.1 > model.probability(np.array([-1.0, -1, -1]))


def test_the_thresholds_refuse_only_the_clearest_and_answer_the_ambiguous_middle_as_partial() -> None:
    p = np.array([0.1, 0.2, 0.3, *np.linspace(0.6, 0.95, 14)])
    y = np.array([0, 1, 0, *[1] * 14])
    partly = np.array([False, False, True, *[False] * 14])  # 0.3: the article talks about it
    refuse_below, full_from = choose_thresholds(p, y, partly=partly)
    assert 0.1 < refuse_below <= 0.2  # refusing the answerable 0.2 would cost twice a wrong answer
    assert 0.3 < full_from <= 0.6  # 0.2 and 0.3 get the closest quotes, said to be only that


def test_the_middle_band_is_for_questions_the_article_talks_about_not_for_everything_else() -> None:
    # Two questions the article does not answer around one it does (0.32), among many it answers.
    p = np.array([0.1, 0.3, 0.32, 0.35, *np.linspace(0.6, 0.95, 30)])
    y = np.array([0, 0, 1, 0, *[1] * 30])
    partly = np.array([False, True, False, True, *[False] * 30])
    refuse_below, full_from = choose_thresholds(p, y, partly=partly)
    assert refuse_below <= 0.32 and full_from > 0.35  # talked about: the closest quotes, said to be only that
    refuse_below, _ = choose_thresholds(p, y, partly=np.zeros(len(p), dtype=bool))
    assert refuse_below > 0.35  # about something else altogether: refused, even at the cost of the 0.32


def test_at_most_a_bounded_share_of_answerable_questions_is_answered_as_partial() -> None:
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.8])
    y = np.array([0, 1, 0, 1, 1, 1])
    refuse_below, full_from = choose_thresholds(p, y, PARTIAL_IN_SCOPE_MAX)
    answerable = p[y == 1]
    assert np.mean((answerable >= refuse_below) & (answerable < full_from)) <= PARTIAL_IN_SCOPE_MAX


def test_without_a_middle_band_a_model_answers_or_refuses() -> None:
    x, y = np.array([[0.0], [1.0], [0.2], [0.9]]), np.array([0, 1, 0, 1])
    model = fit(x, y, threshold=0.5)
    assert model.decide(np.array([1.0]), high_confidence=0.9)[0] == "full"
    assert model.decide(np.array([0.0]), high_confidence=0.9)[0] == "none"


def test_fit_is_deterministic() -> None:
    x = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.9, 0.2]])
    y = np.array([0, 1, 0, 1])
    assert fit(x, y) == fit(x, y)


# People's own words: lay vocabulary is not held against the question

@pytest.mark.parametrize("question, evidence", [
    # Worded here, not taken from corpus/questions/: the shipped model has not seen them.
    ("should i stick an ice pak on my lower back", "Ice therapy"),
    ("are tablets a bad idea for this?", "Do not resort to pain control drugs"),
    ("would it help if my partner kneaded the knot?", "Massage the affected area"),
    ("is a long warm soak in the tub any good for it", "Heat or hydrotherapy"),
    ("my nan says stay in bed till it passes, is she right?", "it is not advisable to lie down"),
])
def test_lay_wording_is_answered_from_the_right_passage(repo_bot: Chatbot, question: str, evidence: str) -> None:
    answer = repo_bot.ask(question)
    assert not answer.abstained
    assert evidence in answer.quoted[0].quote


@pytest.mark.parametrize("question", [
    "What's the max dose of ibuprofen I can take in a day?", "lower back MRI cost?",
    "What does spinal fusion surgery involve?", "how do i reset my wifi router",
])
def test_near_topic_questions_the_article_does_not_answer_are_refused(repo_bot: Chatbot, question: str) -> None:
    assert repo_bot.ask(question).abstained


# People's own questions: a story, two asks, a list, a question the article only partly answers
# (worded here, not taken from corpus/questions/: the shipped model has not seen them)

def sections_quoted(answer) -> list[str]:
    return [p.section for p in answer.quoted]


def test_a_story_is_read_for_what_it_asks(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("my son is 16 and does weights at school, his lower back keeps going into spasm after "
                          "the sessions. what could be causing it?")
    assert answer.coverage == "full"
    assert answer.quoted[0].section == "Causes of Back Muscle Spasms"


def test_two_asks_after_a_story_are_both_answered(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("My back tightens up every night in bed. Is that a spasm? And what can I do about it?")
    assert answer.coverage == "full"
    quoted = sections_quoted(answer)
    assert "Symptoms of Back Muscle Spasms" in quoted and "Treatment of Back Muscle Spasms" in quoted


def test_each_passage_gets_the_share_of_the_closest_questions_that_name_it() -> None:
    # Three close bank questions, weighted 0.5, 0.3 and 0.2 by closeness, name passages {0, 1}, {1} and {2}.
    votes = passage_votes(np.array([0.5, 0.3, 0.2]), rows=np.array([0, 0, 1, 2]), chunk_ids=np.array([0, 1, 1, 2]),
                          n=4)
    assert votes == pytest.approx([0.5, 0.8, 0.2, 0.0])


@pytest.mark.parametrize("question", [
    "my back just went into a spasm, what should i be doing right now?",
    "back locked up on me this morning, what do I do",
    "what's the first thing to do when your back goes into spasm",
])
def test_what_to_do_now_opens_with_the_first_thing_the_article_says_to_do(repo_bot: Chatbot, question: str) -> None:
    # Most close bank questions name the first-line treatments: their vote outweighs the one medicines
    # question that may sit nearest.
    search = repo_bot.retriever.run(question, 5)
    assert "rather move around slowly" in search.hits[0].chunk.text
    assert search.hits[0].feature("neighbour_vote") == max(h.feature("neighbour_vote") for h in search.scored)


def test_a_question_the_article_only_partly_answers_gets_the_closest_quotes_said_to_be_so(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("My dad is 74 and keeps getting back spasms. Could his osteoporosis have anything to do "
                          "with it?")
    assert answer.coverage == "partial" and not answer.abstained
    assert answer.confidence != "high"
    assert answer.quoted and answer.quoted[0].quote.startswith("Degenerative diseases, like osteoarthritis")
    # The partial lead, exactly (naming what the article never mentions when it can: bot/unmentioned.py).
    assert answer.lead in (PARTIAL, PARTIAL_NAMED.format(names=quoted_names(answer.unmentioned)))
    assert answer.lead in answer.markdown and LEAD not in answer.markdown
    assert answer.to_json()["coverage"] == "partial"


@pytest.mark.parametrize("question, section, at_least", [
    ("what can I do at home to get rid of it?", "Treatment of Back Muscle Spasms", 5),
    ("I hurt my back, what should I do?", "Treatment of Back Muscle Spasms", 5),
    ("why do people get back spasms?", "Causes of Back Muscle Spasms", 4),
])
def test_a_broad_question_is_answered_with_the_list_in_article_order(repo_bot: Chatbot, question: str,
                                                                      section: str, at_least: int) -> None:
    answer = repo_bot.ask(question)
    assert answer.coverage == "full"
    listed = [p for p in answer.quoted if p.section == section]
    assert len(listed) >= at_least
    assert [p.start for p in answer.quoted] == sorted(p.start for p in answer.quoted)


@pytest.mark.parametrize("question", ["does ice help?", "is heat good for a spasm?"])
def test_a_pointed_question_is_answered_with_one_quote(repo_bot: Chatbot, question: str) -> None:
    assert len(repo_bot.ask(question).quoted) == 1


# A second document dropped into corpus/

@pytest.mark.slow
def test_second_document_questions_are_answered_from_it(two_doc_bot: Chatbot) -> None:
    rows = read_jsonl(FIXTURES / "second_corpus_questions.jsonl")
    report = evaluate(two_doc_bot, rows)
    # The answer-quality issue's target for a document without labelled questions (docs/quality.md).
    assert report.metrics["hit_at_1"] >= 0.85
    assert report.metrics["hit_at_3"] >= 0.90
    assert report.metrics["refused_in_scope_max"] <= 0.10
    answered = [r for r in report.rows if not r["abstain"]]
    named = Counter(r["retrieved"][0]["doc"] for r in answered)
    assert named[SECOND] >= 0.7 * len(answered)
    assert all(r["retrieved"][0]["section"].startswith("Tension-Type Headaches ›") for r in answered
               if r["retrieved"][0]["doc"] == SECOND)


def test_a_document_without_labelled_questions_gets_its_own_ranker_only_where_it_ranks_better(
        two_doc_bot: Chatbot) -> None:
    model = two_doc_bot.query_model
    report = model.report["unlabelled_ranker"]
    if report["chosen"] == "fitted":
        assert report["cv_hit_at_1"] > report["labelled_ranker_hit_at_1"]
        assert model.unlabelled_ranker != model.ranker
    else:
        assert model.unlabelled_ranker == model.ranker
    # Its passages are scored with those weights: the score is the weights on the passage's signals.
    search = two_doc_bot.retriever.run("When is a tension headache called chronic?", 5)
    top = search.hits[0]
    assert top.chunk.doc == SECOND
    assert top.score == pytest.approx(float(np.dot(model.unlabelled_ranker, top.features)))


@pytest.mark.slow
def test_the_first_article_still_answers_beside_the_second(two_doc_bot: Chatbot) -> None:
    report = evaluate(two_doc_bot, read_jsonl(TESTS / "data" / "dev.jsonl"))
    assert report.metrics["hit_at_1"] >= 0.80


# Markup pasted with a question

def test_a_question_in_markup_is_searched_for_its_words(repo_bot: Chatbot) -> None:
    plain, marked = repo_bot.ask("does ice help?"), repo_bot.ask("<b>does ice help?</b> <https://example.org/x>")
    assert not marked.abstained
    assert [p.quote for p in marked.quoted] == [p.quote for p in plain.quoted]


def test_an_off_topic_question_behind_a_link_is_still_refused(repo_bot: Chatbot) -> None:
    assert repo_bot.ask("<https://evil.example/autolink> lottery numbers").abstained
