"""Red flags: questions that mention warning signs needing urgent care get a notice before any quote.

The article is about ordinary back spasms. A few symptoms that can come with back pain point to
something it does not cover and that cannot wait (nerve compression, infection, fracture, cancer,
heart problems). When a question mentions one of them, the answer starts with a short notice to get
urgent medical help; the quotes still follow, since they may be what the person asked for.

The rules are data: each red flag is a name for the notice and a few patterns, matched on the
lower-cased question. A sign that is denied just before it ("I have no fever") does not count.
A miss costs more than a false alarm, so the patterns lean towards flagging; but a question about
ordinary causes ("Can a sports injury cause back spasms?") never gets the notice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class RedFlag:
    """A warning sign: how the notice names it, and the phrasings that mention it."""

    name: str
    patterns: tuple[str, ...]

    def matches(self, text: str) -> bool:
        return any(not _denied(text, m.start()) for p in self._compiled for m in p.finditer(text))

    @cached_property
    def _compiled(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.patterns)


_ANY = r"(?:\w+[\s,']+){0,4}?"  # up to four words in between, lazily
_MY = r"(?:my |the |your |a |an |his |her |their |our )?"

RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag("Loss of bladder or bowel control", (
        rf"\b(?:loss|lose|losing|lost|no|poor|little)\s+(?:of\s+)?{_MY}(?:bladder|bowel)s?\b",
        rf"\b(?:bladder|bowel)s?\s+(?:control|function)\b",
        rf"\b(?:loss|lose|losing|lost|no|poor)\s+(?:of\s+)?control\s+(?:of|over)\s+{_MY}(?:bladder|bowel)s?\b",
        rf"\b(?:can'?t|cannot|can not|unable to|not able to|couldn'?t|could not)\s+{_ANY}"
        rf"(?:control|hold|empty|feel)\s+{_MY}(?:bladder|bowels?|pee|urine|poo|stool)",
        r"\b(?:can'?t|cannot|can not|unable to|couldn'?t|could not)\s+(?:pee|urinate|wee)\b",
        r"\bincontinen(?:ce|t)\b",
        r"\b(?:wet|soil(?:ed|ing)?|peed|pooed|pooped)\s+(?:my ?self|my pants|the bed)\b",
    )),
    RedFlag("Numbness between the legs or in the groin", (
        rf"\b(?:numb|numbness|no feeling|loss of feeling|lost feeling|tingl\w*|pins and needles)\b\s*{_ANY}"
        r"(?:between\s+(?:my |the )?legs|groin|genitals?|genital area|private parts|crotch|"
        r"inner thighs?|buttocks|bum|perineum|saddle)",
        r"\b(?:groin|genitals?|genital area|private parts|crotch|inner thighs?|buttocks|perineum|saddle area)"
        r"\s+(?:is |are |feels? |went |goes |going |has gone |have gone |got )?(?:numb|tingl\w*)",
        r"\bsaddle (?:an(?:a)?esthesia|numbness)\b",
        r"\bcauda equina\b",
    )),
    RedFlag("New weakness in the legs", (
        rf"\b(?:weak|weakness|weakened|paraly[sz]\w*|no strength|lost strength|loss of strength)\s*"
        rf"(?:in|of)?\s*{_MY}(?:both |one |left |right )?(?:legs?|feet|foot|ankles?|knees?|thighs?)\b",
        r"\b(?:legs?|feet|foot|knees?)\s+(?:are |is |feels? |felt |went |go |going |keeps? |kept |have |has )?"
        r"(?:weak|giving (?:way|out)|give way|gave (?:way|out)|buckl\w*|collaps\w*|paraly[sz]\w*)",
        r"\bfoot drop\b|\bdrop foot\b",
        rf"\b(?:can'?t|cannot|can not|unable to|couldn'?t|could not)\s+{_ANY}(?:lift|move|feel)\s+{_MY}"
        r"(?:legs?|feet|foot|toes)\b",
    )),
    RedFlag("Back pain with fever", (
        r"\bfever(?:s|ish)?\b",
        r"\bhigh temperature\b",
        r"\btemperature of (?:3[89]|10[0-9])",
        r"\b(?:shivering|chills|night sweats)\b",
    )),
    RedFlag("Back pain after a major fall or accident", (
        rf"\b(?:after|since|following|from|in|during|because of)\s+{_MY}"
        r"(?:(?:bad|big|major|serious|nasty|heavy|hard|recent|car|road|traffic|motorbike|motorcycle|bike|"
        r"bicycle|skiing|riding|work|high)\s+){0,2}(?:fall|accident|crash|collision|car wreck)\b",
        r"\b(?:i|he|she|we|they|my \w+)\s+(?:fell|fall|have fallen|had a fall|slipped and fell|crashed)\b",
        r"\bfell (?:off|from|down|over|on)\b",
        r"\b(?:car|road|traffic|motorbike|motorcycle|bike|bicycle|work|skiing)\s+(?:accident|crash|collision)\b",
        r"\b(?:hit|knocked (?:down|over)) by (?:a |an )?(?:car|vehicle|truck|bus|bike)\b",
        r"\bwhiplash\b",
    )),
    RedFlag("Unexplained weight loss", (
        r"\b(?:unexplained|unintentional|unintended|unexpected|sudden|rapid|unexplainable|inexplicable)\s+"
        r"(?:weight loss|loss of weight|losing weight)\b",
        r"\b(?:losing|lost|lose|dropping|dropped)\s+(?:a lot of |so much |lots of )?(?:weight|pounds|kilos|kg)\s+"
        r"(?:without (?:trying|dieting|reason)|for no (?:apparent |obvious )?reason|unintentionally|suddenly|fast|quickly)",
        r"\bweight loss\s+(?:without (?:trying|dieting|reason)|for no (?:apparent |obvious )?reason)",
    )),
    RedFlag("Chest pain", (
        r"\bchest\s+(?:pain|pains|ache|aches|aching|tightness|pressure|hurts?|hurting|is tight|feels tight)\b",
        rf"\b(?:pain|ache|tightness|pressure|hurts?|hurting)\s+(?:in|across|on)\s+{_MY}chest\b",
        r"\bheart attack\b|\bangina\b",
    )),
)

NOTICE = (
    "Get urgent medical help. {signs} can be a sign of a serious problem that this article does not cover: "
    "contact a doctor or emergency services now rather than waiting."
)

# A denial right before the sign, in the same clause: "no fever", "I don't have a fever".
_DENIAL = re.compile(r"\b(?:no|not|never|without|denies|deny|nor|n't|dont|doesnt|didnt|havent|hasnt|isnt)\b|n't\b")
_CLAUSE_BREAK = re.compile(r"[.,;:!?]|\bbut\b|\band\b|\bthough\b|\bhowever\b")


def red_flag_notice(question: str) -> str | None:
    """A short "get urgent medical help" notice when the question mentions a warning sign, else None."""
    flags = red_flags(question)
    if not flags:
        return None
    names = [flag.name for flag in flags]
    signs = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1][0].lower() + names[-1][1:]
    return NOTICE.format(signs=signs)


def red_flags(question: str) -> list[RedFlag]:
    """The red flags a question mentions, in the order of RED_FLAGS."""
    text = _normalise(question)
    return [flag for flag in RED_FLAGS if flag.matches(text)]


def _normalise(question: str) -> str:
    text = question.lower().replace("’", "'").replace("‘", "'")
    return " ".join(text.split())


def _denied(text: str, start: int) -> bool:
    """Whether one of the three words before `start`, in the same clause, denies what follows."""
    before = text[max(0, start - 60) : start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    window = " ".join(before.split()[-3:])
    return bool(_DENIAL.search(window))
