"""Warning signs: a reported sign gets a notice naming it, first; ordinary questions never do."""

import json

import pytest
from conftest import TESTS, read_jsonl

from benchmarks.warning_signs import REAL_WORDS, measure, real_words_near_sign_words
from benchmarks.warning_signs_classifier import fingerprint, training_set
from bot.chatbot import Chatbot
from bot.config import REPO_ROOT
from bot.safety import (
    RED_FLAGS,
    _reported,
    conversation_notice,
    reading,
    red_flag_notice,
    red_flags,
    with_conversation_notice,
)
from bot.safety_classifier import ADD, classifier, sentences

LABELLED = json.loads((TESTS / "data" / "red_flags.json").read_text(encoding="utf-8"))
URGENT: dict[str, list[str]] = LABELLED["urgent"]
ORDINARY: list[str] = LABELLED["ordinary"]
HELD_OUT = json.loads((TESTS / "data" / "red_flags_heldout.json").read_text(encoding="utf-8"))
BANK_LABELS = json.loads((TESTS / "data" / "red_flags_bank.json").read_text(encoding="utf-8"))
BANK = {row["id"]: row["question"] for path in [*sorted((REPO_ROOT / "corpus" / "questions").glob("*.jsonl")),
                                                  TESTS / "data" / "dev.jsonl"] for row in read_jsonl(path)}
BLADDER, SADDLE, LEGS = "Loss of bladder or bowel control", "Numbness around the groin or buttocks", \
    "Weakness or numbness in the legs"
CHEST, FALL = "Chest pain or trouble breathing", "A major fall or accident"


def names(question: str) -> list[str]:
    return [sign.name for sign in red_flags(question)]


@pytest.mark.parametrize("sign, question", [(s, q) for s, qs in URGENT.items() for q in qs])
def test_a_question_naming_a_warning_sign_gets_the_notice_naming_it(sign: str, question: str) -> None:
    assert sign in names(question)
    notice = red_flag_notice(question)
    mention = next(s.mention for s in RED_FLAGS if s.name == sign)
    assert notice is not None and f"You mention {mention}" in notice or f", {mention}" in notice \
        or f" and {mention}" in notice


@pytest.mark.parametrize("question", ORDINARY)
def test_an_ordinary_back_spasm_question_never_gets_it(question: str) -> None:
    assert red_flag_notice(question) is None


def test_every_warning_sign_has_phrasings_and_examples() -> None:
    assert {sign.name for sign in RED_FLAGS} == set(URGENT)
    assert all(sign.phrases or sign.pairs for sign in RED_FLAGS)


def test_the_notice_names_the_sign_in_plain_words() -> None:
    notice = red_flag_notice("I have back spasms and numbness in my groin")
    assert notice == ("Get urgent medical help. You mention numbness around the groin, buttocks or between the legs: "
                      "with back pain, that can be a sign of a serious problem that this article does not cover. "
                      "Contact a doctor or emergency services now rather than waiting.")


def test_several_signs_are_named_in_one_sentence_that_reads_as_one() -> None:
    notice = red_flag_notice("back pain with a fever after a bad fall, and my legs are weak")
    assert notice is not None
    assert "You mention new weakness or numbness in the legs, a fever and a recent bad fall or accident: with back " \
           "pain, these can be signs of a serious problem" in notice
    assert len(notice) < 300


def test_chest_pain_or_breathlessness_says_to_call_the_emergency_number_now() -> None:
    notice = red_flag_notice("sharp pain in my upper back and chest and I can't breathe properly")
    assert notice is not None and notice.startswith("Call the emergency number now (999 in the UK, 911 in the US")
    assert "You mention chest pain or trouble breathing:" in notice
    both = red_flag_notice("back pain, a fever and I'm gasping for air")
    assert both is not None and both.startswith("Call the emergency number now")
    assert "chest pain or trouble breathing and a fever: with back pain, these can be signs of an emergency" in both


def test_typographic_apostrophes_and_capitals_are_read_like_plain_ones() -> None:
    assert red_flag_notice("I CAN’T CONTROL MY BLADDER") is not None


@pytest.mark.parametrize("question, sign", [
    ("very slight numbimg around my bum and groyn since I bent over", SADDLE),  # typos, a hedge
    ("lower back pain and numbnes in the grion area", SADDLE),
    ("my bladdar has been leeking since my back went", BLADDER),
    ("mid back pain and a fevr of 38.5", "Fever"),
    ("back spasm and i get really short of breth", CHEST),
    ("I'm 68 with osteoperosis, sneezed and had sudden back pain", "A possible spinal fracture"),
])
def test_a_misspelt_sign_word_is_read_as_the_word(question: str, sign: str) -> None:
    assert sign in names(question)


def test_only_words_a_typo_away_from_a_sign_word_are_corrected_and_never_english_ones() -> None:
    assert reading("numbnes in my grion") == "numbness in my groin"
    assert reading("a bowl of soup, a game of chess, I feel fine") == "a bowl of soup, a game of chess, i feel fine"
    # English in an inflected form, a word two letters off, or another first letter is not a typo.
    english = "injections, overweight, sneezing, weeding, telly"
    assert reading(english) == english


def test_numbers_glued_to_units_and_hedges_are_read_plainly() -> None:
    assert reading("I lost 8kg really fast, temp 38.5c at 3am on the 1st") == \
        "i lost 8 kg fast, temp 38.5 c at 3 am on the 1st"
    assert "Unexplained weight loss" in names("dropped 6kg in a month without trying and my back aches")
    assert LEGS in names("cant really feel my feet properly, kind of numb, since my back went")


def test_the_english_words_never_corrected_are_regenerated_from_the_model_vocabulary() -> None:
    """bot/data/safety_real_words.txt is current: `python -m benchmarks.warning_signs --words` rewrites it."""
    listed = [w for w in REAL_WORDS.read_text(encoding="utf-8").splitlines() if w and not w.startswith("#")]
    assert listed == real_words_near_sign_words()
    assert {"bowl", "chess", "fewer"} <= set(listed)


@pytest.mark.parametrize("question, sign", [
    ("my husband's pain started just above his chest muscle and moved round to his upper back", CHEST),
    ("So I bent over to pick up the washing and my back went, as it does every few months. Took ibuprofen, "
     "lay on the floor. But this time there's a very slight numbing around my bottom and down there. Is that "
     "the same spasm?", SADDLE),  # a sign told in passing, in a story
    ("my teenage son came down hard on his lower back in a match and had to be helped off", FALL),
    ("my 84 year old mum has a vertebral compression fracture and her back keeps spasming",
     "A possible spinal fracture"),
    ("my wife's legs keep buckling since her back went", LEGS),
    ("I wet myself twice this week and my back is in spasm", BLADDER),
    ("my back pain wakes me every night and no position eases it", "Severe pain at night"),
    ("I'm on chemo and I'm burning up with a bad back", "A weakened immune system or injected drugs, with a fever"),
    ("my dad has lost a lot of weight without trying and his back aches", "Unexplained weight loss"),
    ("I had bowel cancer four years ago and now my back hurts", "Cancer, now or in the past"),
])
def test_signs_as_people_write_them_in_stories_slang_and_about_others(question: str, sign: str) -> None:
    assert sign in names(question)


@pytest.mark.parametrize("question", [
    "got a bad case of cabin fever resting my back",
    "I work as a carer and changing incontinence pads all day hurts my back",
    "had a chest infection that has cleared up now, but my back still spasms",
    "no numbness, bladder fine, just a tight lower back",
    "does losing weight help with back spasms?",
    "is chest day at the gym ok with a back spasm?",
    "my mate is doing a charity run for cancer research",
    "could my back spasms be cancer?",
    "I fell asleep on the sofa and woke with a spasm",
    "back spasms wake me when I roll over, then settle",
    "I take insulin injections, can I use a heat pad?",
])
def test_hard_negatives_that_use_a_signs_words_get_no_notice(question: str) -> None:
    assert red_flags(question) == []


@pytest.mark.parametrize("question", [
    "Tweaked it on leg day and its still tight 2 days later",  # "weak" inside "tweaked"
    "Chiropractor cracked my back on Monday and now it spasms more",  # a manipulation, not a fracture
    "my legs are weak from the marathon on sunday and now my back has started spasming",
    "it was 38 degrees on holiday and my back spasmed from the sunbed",
    "I've got the chills just thinking about the last spasm",
    "car crash of a week at work and my back is in spasm from stress",
])
def test_words_that_only_look_like_a_sign_get_no_notice(question: str) -> None:
    assert red_flags(question) == []


@pytest.mark.parametrize("question", [
    "my son's got a temperature and I've done my back in carrying him up to bed",
    "my baby has a fever and I've been rocking her all night, now my back is in spasm",
    "my nephew broke his arm falling off a trampoline and I hurt my back lifting him into the car",
    "after chemo for my dog (she's fine now) lifting her in and out the car has hurt my back",
    "my mum's friend had cauda equina and now my mum is paranoid about every back twinge",
])
def test_a_sign_in_someone_other_than_the_back_asked_about_is_not_a_report(question: str) -> None:
    assert red_flags(question) == []


@pytest.mark.parametrize("question, sign", [
    ("my son has a temperature of 39 and complains his back hurts", "Fever"),
    ("my toddler has a fever and seems to have back pain", "Fever"),
    ("my husbands testicles feel numb and his lower back is in agony", SADDLE),
    ("I came off my horse this morning and my back is spasming", FALL),
    ("woke up and my legs wont hold me up, they just give way, back has been bad for a week", LEGS),
])
def test_a_sign_in_the_person_whose_back_hurts_is_read_whoever_it_is(question: str, sign: str) -> None:
    assert sign in names(question)


def test_an_episode_that_passed_within_minutes_is_not_over() -> None:
    assert CHEST in names("got this crushing feeling across my chest and up into my jaw, went away after 10 mins, "
                          "back still sore")
    assert red_flags("had a chest infection that went away last month, back still spasms") == []


def test_the_learned_opinion_was_fitted_on_the_phrasings_as_they_are() -> None:
    """bot/data/safety_classifier.npz is current: `python -m benchmarks.warning_signs_classifier --fit` refits it."""
    assert classifier().fingerprint == fingerprint(*training_set())


@pytest.mark.parametrize("question, sign", [
    ("my bladder has been playing up since my back went, keep finding my pants damp", BLADDER),
    ("came a right cropper off the quad bike yesterday and my back is in bits", FALL),
])
def test_a_sign_the_phrasings_have_no_words_for_is_named_by_the_learned_opinion(question: str, sign: str) -> None:
    assert not any(_reported(s, reading(question)) for s in RED_FLAGS)
    assert names(question) == [sign]


@pytest.mark.parametrize("question", [
    "bowels and bladder? both fine. just the spasm",
    "toilet problems? none. numbness? no. just a stiff back",
    "bladder? normal. legs? fine. back? agony",
])
def test_the_learned_opinion_names_a_sign_only_in_a_clause_that_counts(question: str) -> None:
    """A checklist answered no: the model, which reads words and not answers, is sure of a sign in each."""
    text = reading(question)
    assert max(p for start, end in sentences(text) for s, p in classifier().probabilities(text[start:end]).items()
               if s != "none") >= ADD
    assert red_flags(question) == []


@pytest.mark.parametrize("question", [
    "My back spasms keep me up. Lying down is the worst position for it.",  # the article's own symptom
    "and why is lying down the worst position? my back spasms the moment I do",
])
def test_the_learned_opinion_names_night_pain_only_in_a_sentence_about_the_night(question: str) -> None:
    """Pain worse lying down is what the article describes; the model, reading "lying", is sure of night pain."""
    text = reading(question)
    assert max(classifier().probabilities(text[start:end])["Severe pain at night"]
               for start, end in sentences(text)) >= ADD
    assert red_flags(question) == []


def test_the_bones_thinning_are_a_fractures_subject_and_the_joints_wearing_are_not() -> None:
    fracture = next(sign for sign in RED_FLAGS if sign.name == "A possible spinal fracture")
    assert all(fracture.cues.search(word) for word in ["osteoporosis", "osteopenia", "osteoporotic"])
    assert not any(fracture.cues.search(word) for word in ["osteoarthritis", "osteopath", "osteopathy", "osteo"])
    assert red_flags("my mum is 78 and her x-ray showed osteoarthritis in her spine, now her lower back spasms "
                     "when she stands") == []


@pytest.mark.parametrize("question", [
    "I was laid up flat on my back for three days with it, is bed rest a bad idea?",  # where someone lies
    "my lower back is weak after the spasm and bending to my knees hurts",  # another part's weakness
    "my grandson landed funny on the trampoline at his party and his back's been sore all evening",  # a soft landing
])
def test_a_posture_another_parts_weakness_or_a_soft_landing_is_not_a_sign(question: str) -> None:
    assert red_flags(question) == []


@pytest.mark.parametrize("question, sign", [
    ("slipped on the ice and came down flat on my back this morning", FALL),
    ("was thrown flat on my back in a tackle on saturday", FALL),
    ("she fell off the trampoline onto the patio and landed on her back", FALL),
    ("my back is killing me and both my legs feel weak", LEGS),
    ("since the spasm my back feels weak and now both my legs keep giving way on the stairs", LEGS),
])
def test_a_fall_onto_the_back_and_the_legs_weakness_are_still_read(question: str, sign: str) -> None:
    assert sign in names(question)


def test_the_notice_reaches_the_answer_before_any_quote(repo_bot: Chatbot) -> None:
    urgent = repo_bot.ask("I have back spasms and numbness in my groin")
    assert urgent.urgent and urgent.urgent.startswith("Get urgent medical help. You mention numbness around the groin")
    assert urgent.signs == (SADDLE,)
    assert urgent.markdown.index("Get urgent medical help") < urgent.markdown.index(">", 1) + 50
    assert repo_bot.ask("Does ice help with back spasms?").urgent is None


def test_the_corpus_question_bank_gets_it_exactly_where_a_sign_is_reported() -> None:
    """The ~800 questions of corpus/questions and the dev set: what people ask this article, labelled by hand."""
    assert len(BANK) >= 750 and set(BANK_LABELS["red_flag"]) <= set(BANK)
    flagged = {qid for qid, question in BANK.items() if red_flag_notice(question)}
    assert {qid: BANK[qid] for qid in set(BANK_LABELS["red_flag"]) - flagged} == {}, "missed"
    assert {qid: BANK[qid] for qid in flagged - set(BANK_LABELS["red_flag"]) - set(BANK_LABELS["either"])} == {}


@pytest.mark.parametrize("round_, caught_at_least, false_alarms_at_most", [
    # Rounds 1 to 3 were written for the first rules and have tuned them since: they stay where tuning
    # left them (first runs: 25 of 32 and 1 of 30; 26 of 30 and 1 of 30; 23 of 30 and 0 of 30).
    ("1", 32, 1), ("2", 30, 1), ("3", 30, 0),
    # Rounds 4 and 5 were measured once (first_runs in the file: 26 of 71 with 9 false alarms in 70, on the
    # old rules; 47 of 71 with 8 in 70, on the rewritten ones), then used to tune: they stay where tuning left them.
    ("4", 71, 0), ("5", 71, 0),
    # Round 6 was held out (first run: 64 of 72, 8 false alarms in 72) and round 7 measured the rules as merged
    # (first run: 50 of 80, 13 in 77); both then tuned them for issue 19's second pass: in-sample now.
    ("6", 72, 0), ("7", 80, 0),
    # Round 8 was held out from issue 19's second pass (first run: 69 of 77, 9 false alarms in 76) and round 9, by
    # another writer, from its third (first run against 19d95d2: 73 of 77, 4 in 77); both then tuned the third pass
    # and the learned opinion was refitted on them: in-sample now.
    ("8", 77, 0), ("9", 77, 0),
    # Round 10, by a third writer, was sealed from the third pass and measured the reader as merged (d3b346b)
    # once (first run: 70 of 77, 3 false alarms in 77); it then tuned the fourth pass and the learned opinion was
    # refitted on it: in-sample now.
    ("10", 77, 0),
    # Round 11, by a fourth writer, was sealed from the fourth pass and measured the reader as merged (7cf3af5)
    # once: its first run is the floor, and it is never used to tune.
    ("11", 75, 1),
])
def test_phrasings_written_apart_from_the_rules_are_caught_at_the_measured_rate(
        round_: str, caught_at_least: int, false_alarms_at_most: int) -> None:
    """Phrasings written in rounds, each measured once before it could shape the rules."""
    result = measure(round_, HELD_OUT, show=False)
    assert result["urgent"] >= 30 and result["ordinary"] >= 30
    assert result["caught"] >= caught_at_least, f"round {round_}: caught {result['caught']} of {result['urgent']}"
    assert result["false_alarms"] <= false_alarms_at_most, f"round {round_}: {result['false_alarms']} false alarms"


def test_the_recorded_first_runs_are_the_floors() -> None:
    first = HELD_OUT["first_runs"]
    assert (first["4"]["caught"], first["4"]["false_alarms"]) == (26, 9)
    assert (first["5"]["caught"], first["5"]["false_alarms"]) == (47, 8)
    assert (first["6"]["caught"], first["6"]["false_alarms"]) == (64, 8)
    assert (first["7"]["caught"], first["7"]["false_alarms"]) == (50, 13)
    assert (first["8"]["caught"], first["8"]["false_alarms"]) == (69, 9)
    assert (first["9"]["caught"], first["9"]["false_alarms"]) == (73, 4)
    assert (first["10"]["caught"], first["10"]["false_alarms"]) == (70, 3)
    assert (first["11"]["caught"], first["11"]["false_alarms"]) == (75, 1)
    rounds = ("4", "5", "6", "7", "8", "9", "10", "11")
    assert all(len(HELD_OUT[f"urgent_{r}"]) >= 70 and len(HELD_OUT[f"ordinary_{r}"]) >= 70 for r in rounds)
    assert all({sign for sign, _ in HELD_OUT[f"urgent_{r}"]} == {sign.name for sign in RED_FLAGS} for r in rounds[3:])


@pytest.mark.parametrize("question, sign", [
    # A state that lasts counts however long ago it was found, with an event anywhere in the question.
    ("I'm 71, a bone density scan a couple of years ago showed osteoporosis. I get the odd spasm from gardening. "
     "Yesterday I had a sudden severe pain in my middle back lifting a watering can.", "A possible spinal fracture"),
    ("on pred for years for my COPD and my back went with a crack after a sneeze", "A possible spinal fracture"),
    # A sentence that leaves out its "I" still has someone in it.
    ("On chemo for bowel cancer and now lower back spasms, can I use a heat pad?", "Cancer, now or in the past"),
    # A comma that starts a new part of the sentence ends a denial's reach.
    ("when I sit on the loo it feels like my bum isn't there, like sitting on a numb cushion", SADDLE),
    # A back's owner is never the person named after it.
    ("Back went on Monday picking up my daughter. Since then I've had trouble starting a wee", BLADDER),
])
def test_a_sign_told_in_the_ways_the_third_pass_reads_is_named(question: str, sign: str) -> None:
    assert sign in names(question)


@pytest.mark.parametrize("question", [
    "no numbness, tingling or weakness in my legs, just the spasm",  # a list after "no" stays denied
    "I've been reading about cauda equina and I'm scared, but I feel fine otherwise",  # named, not had
    "the NHS page lists fever and weight loss as warning signs, I have neither",
    "can back spasms make you feel like you can't breathe?",  # asked about anyone
    "Do back spasms make it hard to pee? asking for a uni assignment",
    "we were in a fender bender in a car park, barely a bump, and my back is stiff",  # told as small
    "my bum went numb on a hard pew for hours (fine once I stood up) and my back spasmed after",
    "down 10kg on purpose on my weight loss plan, eating fine, but back spasms when I run",  # meant
    "my grandad broke his back in the war and says spasms run in the family",  # an era long past
    "my mum had breast cancer and I'm running the Race for Life in her memory, tips for back spasms?",
    # a lasting state without its event: the learned opinion, reading the word, would name a fracture
    "My dad is 74 and keeps getting back spasms. Could his osteoporosis have anything to do with it?",
])
def test_a_sign_word_in_what_is_not_a_report_gets_no_notice(question: str) -> None:
    assert red_flags(question) == []


@pytest.mark.parametrize("question", [
    "can an old car crash still cause spasms today?",
    "I had a car accident years ago, can that cause spasms now?",
    "I had a fever last year, is that linked to my back spasms?",
])
def test_a_sign_long_in_the_past_is_not_a_red_flag(question: str) -> None:
    assert red_flags(question) == []


def test_a_sign_in_the_past_and_again_recently_is() -> None:
    assert red_flag_notice("I had a bad fall years ago and fell off a ladder again yesterday")
    assert red_flag_notice("my old injury flared up after I fell down the stairs last week")


def test_a_history_of_cancer_counts_however_long_ago() -> None:
    assert "Cancer, now or in the past" in names("I had leukaemia as a child and now my back aches")


@pytest.mark.parametrize("question, flagged", [
    ("I have no fever", False), ("I don't have chest pain or a fever", False),
    ("there is no weakness in my legs", False), ("my bladder is fine", False),
    ("I'm not sure if I have a fever", True), ("no fever, but my legs feel weak", True),
    ("I have no idea why I have a fever", True),
    ("no feeling around my back passage since the back pain started", True),
])
def test_denial_reaches_only_its_own_clause_and_doubt_is_not_denial(question: str, flagged: bool) -> None:
    assert bool(red_flag_notice(question)) is flagged


def test_a_general_question_about_a_cause_the_article_lists_is_not_a_report_of_one() -> None:
    assert red_flag_notice("Could a car accident lead to back spasms?") is None
    assert red_flag_notice("Can a fall cause back spasms?") is None
    assert red_flag_notice("my sister was in a car accident and now her back spasms") is not None


def test_a_warning_raised_earlier_in_a_conversation_is_repeated_on_later_questions() -> None:
    earlier = ["Does ice help?", "I can't control my bladder since my back went into spasm"]
    notice = conversation_notice("and what about heat?", earlier)
    assert notice is not None and "You mention loss of bladder or bowel control:" in notice
    both = conversation_notice("I also have a fever", earlier)
    assert both is not None and "You mention loss of bladder or bowel control and a fever: " in both
    assert conversation_notice("and what about heat?", ["Does ice help?"]) is None


def test_an_answer_carries_the_notice_of_the_conversation_only_after_a_warning(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("and what about heat?", history=[{"role": "user", "content": "Does ice help?"}])
    assert with_conversation_notice(answer, [{"role": "user", "content": "Does ice help?"}]) is answer
    warned = [{"role": "user", "content": "I can't control my bladder"}, {"role": "assistant", "content": "…"}]
    carried = with_conversation_notice(answer, warned)
    assert carried.urgent and "loss of bladder or bowel control" in carried.urgent
    assert carried.signs == (BLADDER,)
    assert carried.quoted == answer.quoted
