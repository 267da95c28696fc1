"""Red flags: questions that mention warning signs needing urgent care get a notice before any quote.

The article is about ordinary back spasms. A few symptoms that can come with back pain point to
something it does not cover and that cannot wait (nerve compression, infection, fracture, cancer,
heart problems): the NHS's list of reasons to get urgent help with back pain. When a question
mentions one of them, the answer starts with a short notice to get urgent medical help.

Each red flag is a name for the notice and the phrasings that mention it, matched on the
lower-cased question. A match then has to survive three readings of the clause it sits in:

* denial: "I have no fever", "I don't have chest pain or a fever" do not count (but "not sure if
  I have a fever" does);
* time: a sign placed in the distant past ("a car crash years ago", "an old injury", "as a child",
  "used to") does not count, unless the clause also places it recently ("yesterday", "last week");
* for signs the article itself lists as ordinary causes (accidents, falls), a general question
  ("Can a car accident cause back spasms?") is not a report of one: it counts only when it is about
  someone ("I", "my mum", "he"), or is anchored in time ("after a fall", "yesterday").

It is about anyone the person asks for: "my mum has lost control of her bladder" gets the notice.
A miss costs more than a false alarm, so the phrasings lean towards flagging. tests/test_safety.py
checks both ways: 86 phrasings that must get the notice and 96 that must not (tests/data/red_flags.json),
the ~800 questions of the corpus's question bank labelled by hand, and three rounds of phrasings
written apart from the rules and measured once before they could shape them: 74 of 92 warning signs
caught (80%), 2 false alarms in 90 ordinary questions. The last round, never used to tune anything,
caught 23 of 30 with no false alarm in 30.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

_Answer = TypeVar("_Answer")


@dataclass(frozen=True)
class RedFlag:
    """A warning sign: how the notice names it, and the phrasings that mention it."""

    name: str
    patterns: tuple[str, ...]
    #: False for signs the article lists as ordinary causes: a general "can X cause…?" does not count,
    #: and neither does one months ago.
    general_counts: bool = True

    def matches(self, text: str) -> bool:
        return any(_counts(text, m.start(), m.end(), self.general_counts) for p in self._compiled
                   for m in p.finditer(text))

    @cached_property
    def _compiled(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.patterns)


_ANY = r"(?:[\w']+[\s,]+){0,4}?"  # up to four words in between, lazily
_FEW = r"(?:[\w']+[\s,]+){0,6}?"  # up to six
_MY = r"(?:(?:my|the|your|a|an|his|her|their|our|both|one|left|right|lower|upper)\s+){0,2}"
_CANT = (r"(?:can'?t|cannot|can not|unable to|(?:not|n't|haven'?t been|hasn'?t been|not being) able to|"
         r"couldn'?t|could not|"
         r"can no longer|no longer|struggl\w* to|hard to|trouble|difficulty)")
_LEGS = r"(?:legs?|feet|foot|ankles?|knees?|thighs?|toes)"
_GROIN = (r"(?:between\s+(?:my |his |her |their |the )?legs|groin|genitals?|genital area|private (?:parts|area)|crotch|"
          r"inner thighs?|buttocks?|bum|bottom|backside|anus|back passage|perineum|saddle(?: area)?|vagina|penis|"
          r"testicles|scrotum)")

RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag("Loss of bladder or bowel control", (
        rf"\b(?:loss|lose|losing|lost|no|poor|little|losing)\s+(?:of\s+)?(?:control\s+(?:of|over)\s+)?{_MY}"
        r"(?:bladder|bowels?)\b",
        r"\b(?:bladder|bowels?)\s+(?:control|function|problems?|issues?|trouble|leak\w*|accidents?|"
        r"(?:has |have |is |are )?(?:stopped|gone|failing|failed|weak))\b",
        rf"\b{_CANT}\s+{_ANY}(?:control|hold|empty|feel|stop)\s+{_MY}(?:bladder|bowels?|pee|urine|wee|poo|stool|"
        r"peeing|weeing|pooing)",
        rf"\b{_CANT}\s+(?:\w+\s+){{0,2}}(?:(?:pee|wee|poo)(?:ing)?|urinat(?:e|ing)|"
        r"pass(?:ing)? (?:urine|water|stools?)|"
        r"go(?:ing)? to the toilet)\b",
        r"\b(?:can'?t|cannot|don'?t|do not|didn'?t) (?:feel|tell) (?:when|if) (?:i|he|she|they) (?:need|have|want)"
        r" to (?:pee|wee|urinate|go|poo)",
        r"\bincontinen(?:ce|t)\b",
        r"\b(?:wet|soil(?:ed|ing)?|peed|pooed|pooped|pee|poo|wee)(?:ing)?\s+(?:my ?self|him ?self|her ?self|"
        r"them ?selves|my pants|the bed|(?:my|his|her) (?:pants|trousers|knickers))\b",
        r"\b(?:leak\w*|dribbl\w*)\s+(?:urine|pee|wee|stool|poo)\b",
        r"\b(?:wet|wetting|wets) (?:the|my|his|her) (?:bed|pants|trousers)\b",
        r"\baccidents? (?:with|of) (?:my |his |her |their )?(?:bladder|bowels?)\b",
        r"\b(?:pee|peeing|wee|weeing|poo|pooing|leak|leaking)\b(?:\s+\w+){0,7}\s+without (?:meaning|wanting|noticing)"
        r" to\b",
        r"\burinary retention\b|\bretaining urine\b",
    )),
    RedFlag("Numbness between the legs or in the groin", (
        rf"\b(?:numb|numbness|no feeling|loss of feeling|lost (?:the )?feeling|lack of feeling|tingl\w*|"
        rf"pins and needles|dead)\b\s*{_ANY}{_GROIN}",
        rf"\b{_GROIN}\s+(?:area\s+)?(?:is |are |feels? |felt |went |goes |going |has gone |have gone |got |"
        r"has |have |is going |keeps )?(?:(?:completely|totally|a bit|kind of|all)\s+)?(?:numb|tingl\w*|dead)",
        r"\bsaddle (?:an(?:a)?esthesia|numbness)\b",
        r"\bcauda equina\b",
        r"\b(?:can'?t|cannot|don'?t|do not|didn'?t) feel (?:the )?(?:toilet (?:paper|tissue)|myself|it) "
        r"when (?:i|he|she)"
        r" wipes?\b",
    )),
    RedFlag("New weakness or numbness in the legs", (
        rf"\b(?:weak|weakness|weakened|weakening|paraly[sz]\w*|no strength|lost strength|loss of strength|"
        rf"no power|lost power)\s*(?:in|of|down)?\s*{_MY}{_LEGS}\b",
        rf"\b{_LEGS}\s+(?:\w+\s+)?(?:are |is |feels? |felt |went |go |goes |going |keeps? |kept |have |has |"
        r"very |really |so |quite |suddenly |a bit |all |totally |completely |"
        r"just |suddenly |keep |started )*(?:weak|giving (?:way|out)|give (?:way|out)|gave (?:way|out)|buckl\w*|"
        r"collaps\w*|paraly[sz]\w*|like jelly|dead|useless|floppy)",
        r"\bfoot drop\b|\bdrop foot\b|\bdragging (?:my|his|her|one) (?:foot|leg)\b",
        rf"\b{_LEGS} (?:won'?t|will not|doesn'?t|does not|can'?t|cannot|no longer) "
        r"(?:lift|move|work|hold me|take my weight)",
        rf"\b{_CANT}\s+{_ANY}(?:lift|move|feel|raise|stand on|walk on|bear weight on|control)\s+{_MY}{_LEGS}\b",
        rf"\b(?:numb\w*|no feeling|loss of feeling|lost (?:the )?feeling|tingl\w*|pins and needles)\s*{_ANY}"
        r"(?:in |down |of )?(?:both|my two) (?:legs|feet)\b",
        r"\bboth (?:legs|feet) (?:are |feel |went |have gone |going )?(?:numb|tingl\w*|weak|dead)",
        # Both legs, said in the plural: "my legs have gone numb", "I can barely feel my feet".
        r"\b(?:my|his|her|their|the) (?:legs|feet) (?:are |is |feel |felt |went |have |has |gone |going |go |keep |"
        r"been |getting |got |(?:completely|totally|really|all|kind of|a bit) )*(?:numb|tingl\w*|dead)\b",
        r"\b(?:can'?t|cannot|can barely|can hardly|barely|hardly|no longer) feel (?:my|his|her|their) (?:legs|feet)\b",
    )),
    RedFlag("Back pain with fever", (
        r"(?<!hay )\bfever(?:s|ish)?\b",
        r"\b(?:high|raised|very high) temp(?:erature)?\b",
        r"\b(?:running|have|has|had|got|with|having|developed) an? (?:(?:high|raised|slight) )?temp(?:erature)?\b",
        r"\btemp(?:erature)? (?:of|is|was|at) (?:3[89]|4[01]|10[0-9])",
        r"\b(?:shivering|shivers|shaking chills|chills|rigou?rs|night sweats|sweating at night|"
        r"hot and (?:cold|shivery))\b",
        r"\b(?:spinal|spine|back|kidney|bone) infection\b",
    )),
    RedFlag("Back pain after a major fall or accident", (
        rf"\b(?:after|since|following|from|in|during|because of)\s+{_MY}"
        r"(?:(?:bad|big|major|serious|nasty|heavy|hard|recent|car|road|traffic|motorbike|motorcycle|bike|"
        r"bicycle|skiing|riding|horse|work|high|terrible|awful)\s+){0,2}(?:fall|accident|crash|collision|car wreck|"
        r"tumble|smash)\b",
        r"\b(?:i|he|she|we|they|you|my \w+|i've|i have|he's|she's|i just|i was|i got|(?:was|got) (?:being )?)\s*"
        r"(?:fell|fall|have fallen|has fallen|had a (?:bad |big |nasty |serious )?fall|slipped and fell|crashed|"
        r"was in an? (?:car |road |traffic )?(?:accident|crash)|rear[- ]ended|knocked (?:off|down|over)|"
        r"thrown (?:off|from))\b",
        r"\bfell (?:off|from|down|over|on|onto|out of|backwards|hard|badly|heavily)\b",
        r"\b(?:came|come|coming|thrown|flew) off (?:my|his|her|their|a|the) (?:horse|bike|bicycle|motorbike|motorcycle|"
        r"scooter|ladder|quad|skateboard)\b",
        r"\b(?:car|road|traffic|motorbike|motorcycle|bike|bicycle|work|skiing|riding|horse[- ]riding)\s+"
        r"(?:accident|crash|collision|smash)\b",
        r"\b(?:hit|knocked (?:down|over)|run over) by (?:a |an )?(?:car|vehicle|truck|lorry|van|bus|bike|cyclist)\b",
        r"\bwhiplash\b|\brear[- ]ended\b",
        r"\blanded (?:hard |badly |heavily |flat )?(?:on|onto) (?:my|his|her|their) (?:back|spine|tailbone|bottom)\b",
        r"\b(?:broke|broken|fractured?|cracked) (?:a |my |his |her )?(?:vertebra\w*|spine|back|tailbone|coccyx)\b",
    ), general_counts=False),
    RedFlag("Unexplained weight loss", (
        r"\b(?:unexplained|unintentional|unintended|unexpected|sudden|rapid|unexplainable|inexplicable|"
        r"mysterious|strange|weird|big|dramatic|significant)\s+"
        r"(?:weight loss|loss of weight|losing weight|drop in weight)\b",
        r"\b(?:losing|lost|lose|dropping|dropped|shed|shedding|shedding)\s+(?:a lot of |so much |lots of |loads of |"
        r"a stone|(?:\d+|\w+)\s*(?:kg|kilos?|pounds|lbs?|stones?)|some )?(?:weight|pounds|kilos|kg|stone)?\s*"
        r"(?:of weight\s+)?(?:without (?:trying|dieting|reason|meaning to|any reason)|for no (?:apparent |obvious )?"
        r"reason|unintentionally|suddenly|(?:really |very )?(?:fast|quickly)|and (?:i |he |she )?(?:don'?t|do not|"
        r"doesn'?t|can'?t) (?:know|explain|understand) why|and not (?:dieting|trying))",
        r"\bweight loss\s+(?:without (?:trying|dieting|reason)|for no (?:apparent |obvious )?reason|"
        r"(?:that )?(?:i|he|she|we) (?:can'?t|cannot) explain)",
        r"\b(?:weight|pounds|kilos) (?:is |are |has been |keeps |have been )?(?:falling|dropping|melting) off\b",
    )),
    RedFlag("Chest pain or trouble breathing", (
        r"\bchest\s+(?:is\s+|feels?\s+|has\s+been\s+|gets\s+)?(?:(?:very|really|a bit|so|quite)\s+)?"
        r"(?:pains?|aches?|aching|tight\w*|pressure|hurts?|hurting|sore|heavy|heaviness|crushing|burning|squeez\w*)\b",
        rf"\b(?:pains?|ache|aching|tightness|pressure|hurts?|hurting|heaviness|squeezing|crushing|burning)\s+{_ANY}"
        rf"(?:in|across|on|into|to|through|around|round|towards?|behind|under|of)\s+{_MY}"
        r"(?:chest|breastbone|sternum|ribcage at the front)\b(?!\s+(?:day|press|exercises?|workouts?|fly|flies|"
        r"stretch\w*|opener|muscles? (?:day|workout)))",
        rf"\b(?:spread\w*|radiat\w*|shoot\w*|mov\w*|go\w*|travel\w*|wrap\w*|extend\w*)\s+{_ANY}(?:in|into|to|through|"
        rf"around|round|towards?|across)\s+{_MY}(?:chest|breastbone|sternum|left arm|jaw)\b",
        r"\b(?:having|had|have|be|is (?:it|this)|think i'?m having) an? (?:heart attack|cardiac arrest)\b|\bangina\b",
        r"\b(?:short of breath|shortness of breath|breathless\w*|out of breath|"
        r"(?:can'?t|cannot|couldn'?t|struggl\w* to|hard to|difficult to|trouble|difficulty) (?:breathe|breathing|"
        r"catch (?:my|his|her) breath|get (?:my|his|her) breath))\b",
    )),
)

NOTICE = (
    "Get urgent medical help. {signs} can be a sign of a serious problem that this article does not cover: "
    "contact a doctor or emergency services now rather than waiting."
)

# A denial before the sign, in the same clause: "no fever", "I don't have a fever", "never had chest pain".
_DENIAL = re.compile(
    r"\b(?:no|not|never|without|denies|deny|denied|nor|dont|doesnt|didnt|havent|hasnt|isnt|arent|wasnt|"
    r"free of|ruled out|rule out|absence of|zero|none)\b|n't\b"
)
# Doubt is not denial: "not sure if I have a fever", "I don't know whether my legs are weak".
_DOUBT = re.compile(r"\b(?:not sure|unsure|n't (?:know|tell|think so)|not certain|no idea|wonder\w*)\b")
# Where a clause ends: a denial or a time word does not reach past these.
_CLAUSE_BREAK = re.compile(r"[.;:!?()]|\b(?:and|but|though|although|however|whereas|now|which|so|because)\b")
# Where a time word stops applying: "I slipped years ago and landed on my back" is one event, long past;
# "a fever years ago, but now I can't feel my legs" is two.
_TIME_BREAK = re.compile(r"[.;:!?()]|\b(?:but|though|although|however|whereas|now|which|so|because|since then|"
                         r"these days|lately|this time)\b")
# The sign placed in the distant past. "old" is an event's age ("an old injury"), not a person's ("80 years old").
_DISTANT = re.compile(
    r"\b(?:years?|decades?)\s+(?:ago|back|before|since)\b|\bfor (?:about |over |nearly |almost |some |many )?"
    r"(?:\w+ )?(?:years|decades)\b|\b(?:had|got) (?:a |an )?(?:\w+ ){0,3}once\b|\b(?:a )?long (?:time )?ago\b|"
    r"\b(?:last|previous) year\b|"
    r"(?<!years )(?<!year )(?<!how )\bold\b|\bas an? (?:child|kid|teen\w*|baby|boy|girl|student)\b|"
    r"\bwhen (?:i|he|she|we|they) (?:was|were) "
    r"(?:young|little|small|younger|an? (?:child|kid|teen\w*|boy|girl|student))\b|"
    r"\bin (?:my|his|her|their) (?:childhood|youth|teens|twenties|thirties)\b|\bchildhood\b|\bin (?:19|20)\d\d\b|"
    r"\bused to\b|\bhistory of\b|\bpast (?:injury|accident|fall)\b|\byears earlier\b"
)
# For an injury, months ago is not recent either ("a fall last spring"); for a symptom it may still be going on.
_MONTHS_AGO = re.compile(
    r"\b(?:months?|seasons?)\s+(?:ago|back|before|since)\b|\bfor (?:\w+ )?months\b|"
    r"\blast (?:spring|summer|autumn|fall|winter|month|christmas|easter)\b"
)
# …unless the same clause also places it recently.
_RECENT = re.compile(
    r"\b(?:yesterday|last night|this (?:morning|afternoon|evening|week)|recent\w*|just now|earlier today|"
    r"last (?:week|weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"(?:\d+|a|one|two|three|few|couple of) (?:hours?|days?|weeks?) ago)\b"
)
# Someone it happened to, or a moment it happened: what makes "a fall" a report rather than a general question.
_PERSONAL = re.compile(
    r"\b(?:i|i'm|i've|i'd|me|my|myself|he|she|him|his|her|hers|they|them|their|we|us|our|mum|mom|dad|wife|husband|"
    r"son|daughter|friend|partner|grandma|grandad|grandpa|grandmother|grandfather|brother|sister|child|baby|"
    r"patient|yesterday|today|tonight|last night|this morning|ago|after|since|following)\b"
)


def red_flag_notice(question: str) -> str | None:
    """A short "get urgent medical help" notice when the question mentions a warning sign, else None."""
    return notice_for(red_flags(question))


def notice_for(flags: list[RedFlag]) -> str | None:
    """The notice naming `flags` (in RED_FLAGS order), or None when there are none."""
    if not flags:
        return None
    names = [flag.name for flag in RED_FLAGS if flag in flags]
    signs = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1][0].lower() + names[-1][1:]
    return NOTICE.format(signs=signs)


def red_flags(question: str) -> list[RedFlag]:
    """The red flags a question mentions, in the order of RED_FLAGS."""
    text = _normalise(question)
    return [flag for flag in RED_FLAGS if flag.matches(text)]


def conversation_notice(question: str, earlier_questions: list[str]) -> str | None:
    """The notice for a question asked in a conversation: its own red flags and those raised earlier in it.

    Once someone has said their back pain comes with a warning sign, every later answer in the
    same conversation repeats the notice first ("and what about heat?" is still about that back).
    """
    return notice_for(_conversation_flags(question, earlier_questions))


def _conversation_flags(question: str, earlier_questions: list[str]) -> list[RedFlag]:
    """The red flags of a question and of the questions before it, in RED_FLAGS order."""
    flags = {flag for text in [*earlier_questions, question] for flag in red_flags(text)}
    return [flag for flag in RED_FLAGS if flag in flags]


def with_conversation_notice(answer: _Answer, history: list[dict] | None) -> _Answer:
    """`answer` (a bot.answer.Answer) with the conversation's notice, when an earlier question raised one.

    `history` is the conversation so far as {"role", "content"} turns; the answer's own notice stays
    as it is when no earlier question mentioned a warning sign.
    """
    earlier = [turn["content"] for turn in history or []
               if turn.get("role") == "user" and isinstance(turn.get("content"), str)]
    if not any(red_flags(text) for text in earlier):
        return answer
    flags = _conversation_flags(answer.question, earlier)  # type: ignore[attr-defined]
    return dataclasses.replace(answer, urgent=notice_for(flags),  # type: ignore[type-var]
                               signs=tuple(flag.name for flag in flags))


def _normalise(question: str) -> str:
    text = str(question).lower().replace("’", "'").replace("‘", "'").replace("`", "'")
    text = re.sub(r"\b(do|does|did|have|has|is|are|was|were|ca|could|would|should)n t\b", r"\1n't", text)
    return " ".join(text.split())


def _clause(text: str, start: int, end: int, breaks: re.Pattern[str] = _CLAUSE_BREAK) -> tuple[str, str, str]:
    """The clause around text[start:end], as (before the sign, the sign, after it)."""
    before, after = text[:start], text[end:]
    found = list(breaks.finditer(before))
    if found:
        before = before[found[-1].end() :]
    stop = breaks.search(after)
    if stop:
        after = after[: stop.start()]
    return before, text[start:end], after


def _counts(text: str, start: int, end: int, general_counts: bool) -> bool:
    """Whether a sign matched at text[start:end] is reported: not denied, not long past, about someone."""
    before, sign, after = _clause(text, start, end)
    if _denied(before):
        return False
    clause = "".join(_clause(text, start, end, _TIME_BREAK))
    past = _DISTANT.search(clause) or (not general_counts and _MONTHS_AGO.search(clause))
    if past and not _RECENT.search(clause):
        return False
    return general_counts or bool(_PERSONAL.search(clause) or _RECENT.search(clause))


def _denied(before: str) -> bool:
    """Whether the words before a sign, in its clause, deny it (up to six words back)."""
    window = " ".join(before.split()[-6:])
    if _DOUBT.search(window):
        return False
    return bool(_DENIAL.search(window))
