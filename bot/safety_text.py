"""How the warning-sign reader reads a question: typed the way people type, in clauses and sentences.

People write "cant", "numbnes", "bladdar", "pins n needles", "8kg", "kind of numb". Before the signs'
phrasings are matched (bot/safety_signs.py), the question is lower-cased, its shorthand spelt out,
numbers parted from their units, hedges dropped, and each word the signs' own vocabulary lacks but
lies one typo away from (two for long words), with the same first letter, is corrected to that word.
A word that is itself English ("bowl", "chess", "injections") is never corrected: those are listed
in bot/data/safety_real_words.txt, the words of the embedding model's vocabulary and their regular
inflections within reach of a sign word (regenerate with `python -m benchmarks.warning_signs --words`).

A phrasing that matches still has to be reported in its clause: not denied ("no fever", "bladder
fine"), not long past ("a car crash years ago") or over ("a chest infection that has cleared up"),
and in the person whose back the question is about ("my son's got a temperature and I've done my
back in carrying him").
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

#: Words are corrected only from this length: shorter ones lie a typo away from too many others.
MIN_CORRECTED_CHARS = 4
#: Longer words are never corrected: no sign word is this long, and a pasted string's deletions are many.
MAX_CORRECTED_CHARS = 24
#: From this length a word may be two typos away from the sign word it means ("osteoperossis"). Shorter
#: words are far more often another English word two letters off ("injections", "overweight", "sneezing").
TWO_TYPOS_FROM_CHARS = 11

_SHORTHAND = [
    (re.compile(r"[’‘`´]"), "'"),
    (re.compile(r"[“”]"), '"'),
    (re.compile(r"\s*(?:&|\+)\s*"), " and "),
    (re.compile(r"\b(?:n|an|nd|'n')\b(?=\s+(?:needles|tingly|numb|weak|shivery|cold|sweats?)\b)"), "and"),
    (re.compile(r"\bpins and\s+needle\b"), "pins and needles"),
    (re.compile(r"\bw/o\b"), "without"),
    (re.compile(r"\bw/"), "with "),
    (re.compile(r"\b(?:bc|b/c|cos|coz|cuz)\b"), "because"),
    (re.compile(r"\b(do|does|did|have|has|had|is|are|was|were|ca|could|would|should|wo)n\s?t\b"), r"\1n't"),
    (re.compile(r"\b(can|don|doesn|didn|haven|hasn|hadn|isn|aren|wasn|weren|couldn|wouldn|shouldn)t\b"), r"\1't"),
    (re.compile(r"\bcan't\b|\bcan not\b"), "cannot"),
    (re.compile(r"\bwont\b(?=\s+(?:\w+\s+)?(?:let|go|stop|hold|lift|move|work|take|ease|come|budge|start|settle|"
                r"change|shift|break)\b)"), "won't"),
    (re.compile(r"\bim\b"), "i'm"),
    (re.compile(r"\bive\b"), "i've"),
    (re.compile(r"\b(?:hes)\b"), "he's"),
    (re.compile(r"\b(?:shes)\b"), "she's"),
    (re.compile(r"\bnite\b"), "night"),
    (re.compile(r"\byrs\b"), "years"),
    (re.compile(r"\byr\b"), "year"),
    (re.compile(r"\b(?:mths|mnths)\b"), "months"),
    (re.compile(r"\bwks\b"), "weeks"),
    (re.compile(r"\bnites\b"), "nights"),
    (re.compile(r"\btho\b"), "though"),
    (re.compile(r"\bu\b"), "you"),
    (re.compile(r"\bur\b"), "your"),
    (re.compile(r"\bmy ?self\b"), "myself"),
    # A number glued to its unit reads as the two: "8kg", "2m", "38.5c", "3am" (not "1st", "t12").
    (re.compile(r"(\d)(?!(?:st|nd|rd|th)\b)([a-z]+)\b"), r"\1 \2"),
    # Hedges and intensifiers carry no sign: "kind of numb", "really high temp", "cant really tell".
    (re.compile(r"\b(?:really|properly|kind of|kinda|sort of|sorta|a little bit|a bit(?! of)|slightly|somewhat|"
                r"literally|actually|basically|totally|completely|quite|very|super|ish)\b ?(?=\w)"), ""),
]
_WORD = re.compile(r"[a-z]+")


def normalise(question: str) -> str:
    """Lower case, one kind of apostrophe, shorthand spelt out, single spaces (no spelling yet)."""
    text = str(question).lower()
    for pattern, replacement in _SHORTHAND:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


class SignSpeller:
    """Corrects words a typo away from a sign word, and only those."""

    def __init__(self, sign_words: frozenset[str], real_words: frozenset[str]) -> None:
        self.sign_words = sign_words
        self.real_words = real_words
        # Symmetric deletes (as SymSpell does): a typo's deletions meet its word's deletions.
        self._by_deletion: dict[str, set[str]] = {}
        for word in sign_words:
            for variant in _deletions(word, _typos_allowed(word)):
                self._by_deletion.setdefault(variant, set()).add(word)

    def correct(self, text: str) -> str:
        """`text` (normalised) with each misspelt sign word replaced by the word."""
        return _WORD.sub(lambda m: self.correction(m.group(0)) or m.group(0), text)

    @lru_cache(maxsize=4096)  # noqa: B019 (one speller for the process's lifetime: SIGN_SPELLER)
    def correction(self, word: str) -> str | None:
        """The sign word `word` misspells, or None."""
        if not MIN_CORRECTED_CHARS <= len(word) <= MAX_CORRECTED_CHARS or word in self.sign_words \
                or word in self.real_words:
            return None
        allowed = _typos_allowed(word)
        # A typo keeps the first letter (or swaps the first two): "telly" is not a misspelt "jelly".
        candidates = {c for variant in _deletions(word, allowed) for c in self._by_deletion.get(variant, ())
                      if c[0] == word[0] or c[:2] == word[1::-1]}
        scored = sorted((_distance(word, c), c) for c in candidates)
        scored = [(d, c) for d, c in scored if d <= min(allowed, _typos_allowed(c))]
        return scored[0][1] if scored else None


def _typos_allowed(word: str) -> int:
    return 2 if len(word) >= TWO_TYPOS_FROM_CHARS else 1


@cache
def _deletions(word: str, depth: int) -> frozenset[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w)) if len(w) > 3}
        found |= frontier
    return frozenset(found)


def _distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one typo (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


@cache
def real_words() -> frozenset[str]:
    """English words a typo away from a sign word (bot/data/safety_real_words.txt): never corrected."""
    text = resources.files("bot").joinpath("data/safety_real_words.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


# --- Reading a match in its context ----------------------------------------------------------------

#: Where a sentence ends: two signs' words pair up only inside one.
SENTENCE_BREAK = re.compile(r"[.!?;\n]+(?:\s|$)|\s-\s|\.\.+")
#: Where one thought turns to another inside a sentence: "my chest is fine but my back hurts".
CONTRAST = re.compile(r"\b(?:but|though|although|however|whereas|except|apart from|other than)\b|[()]")
# Where a clause ends: a denial or a time word does not reach past these.
_CLAUSE_BREAK = re.compile(r"[.;:!?()\n]|\s-\s|\b(?:and|but|though|although|however|whereas|now|which|so|because|"
                           r"then|while|when|since|until)\b")
# Where a time word stops applying: "I slipped years ago and landed on my back" is one event, long past;
# "a fever years ago, but now I can't feel my legs" is two.
# An aside in brackets belongs to its sentence's time: "an accident at school (wet himself) when he was little".
_TIME_BREAK = re.compile(r"[.;:!?\n]|\b(?:but|though|although|however|whereas|now|which|so|because|since then|"
                         r"these days|lately|this time|recently)\b")
# A denial before the sign, in the same clause: "no fever", "I don't have a fever", "never had chest pain".
_DENIAL = re.compile(
    # "No longer" is a change, not a denial: "I no longer have any feeling in my feet".
    r"\b(?:no(?! longer)|not|never|without|denies|deny|denied|nor|free of|ruled out|rule out|absence of|zero|none|"
    r"cannot say|nothing like)\b|n't\b"
)
# A comma that starts a new part of the sentence ends a denial's reach ("my bum isn't there, like sitting on a
# numb cushion"); one that goes on with a list does not ("no numbness, tingling or weakness").
_NEW_PART = re.compile(r",\s*(?=(?:i|i'm|i've|my|he|he's|she|she's|his|her|it|it's|its|they|we|like|then|now|also|plus|"
                       r"this|that|which|there's|just)\b)")
# Doubt is not denial: "not sure if I have a fever", "I don't know whether my legs are weak".
_DOUBT = re.compile(r"(?:\b(?:not sure|unsure|not certain|no idea|wonder\w*|not even sure)|"
                    r"n't (?:even )?(?:know|tell|think so|realise|realize|notice))\b")
# A denial after it: "bladder fine", "my temperature is normal", "legs are ok".
_FINE_AFTER = re.compile(
    r"^\W*(?:(?:is|are|'s|was|were|feels?|felt|seems?|has been|have been|all|totally|completely|perfectly|"
    r"absolutely|still|both|seem to be|are all|stayed|stays|has stayed|remained|remains|has remained|held|"
    r"holding)\s+){0,3}"
    r"(?:fine|normal|ok|okay|good|alright|all right|unaffected|clear|perfect|great|grand|the same|steady|stable|"
    r"unchanged)\b"
)
# A checklist answered: "numbness? none. bladder? fine.", "bowels and bladder? both fine".
_ANSWERED_NO = re.compile(r"(?:\s*(?:,|\band\b|\bor\b)\s*(?:my |his |her )?\w+){0,3}\s*\?+\s*"
                          r"(?:(?:both|all|yes|yeah|still)\s+)?(?:none|no|nope|nothing|fine|normal|ok|okay|all good|"
                          r"never)\b(?! idea| clue)")
# Over: "a chest infection that has cleared up", "the kids had a temperature (all better now)".
# An episode's length is not its end: "a crushing feeling in my chest, went away after 10 mins".
_RESOLVED_AFTER = re.compile(
    r"^\W*(?:[\w']+\W+){0,8}?(?:(?:has|have|had|it's|its|is|are|were|was|all)\s+)*(?:cleared(?: up)?|all better|"
    r"all gone|all clear|better now|gone now|(?<!n't )(?<!not )(?<!never )(?:went|goes|go|gone) away|wears off|"
    r"wore off|passed|recovered|resolved|fine now|over now|long gone|"
    r"(?:that's|it's|its|that has|it has) gone(?=\s*(?:[.,!?;]|$|now\b|again\b|though\b|completely\b)))\b"
    r"(?!\W+(?:again\s+)?(?:after|within|in)\s+(?:\w+\s+)?(?:mins?|minutes|seconds|secs|hours?|hrs?)\b)"
)
# The sign placed in the distant past. "old" is an event's age ("an old injury"), not a person's ("80 years old").
_DISTANT = re.compile(
    r"\b(?:years?|decades?)\s+(?:ago|back|before|since|earlier)\b|\b(?:had|got) (?:a |an )?(?:\w+ ){0,3}once\b|"
    r"\b(?:a )?long (?:time )?ago\b|"
    r"\b(?:last|previous) year\b|\b(?:a|one|two|three|\d+) years? ago\b|"
    r"(?<!years )(?<!year )(?<!yrs )(?<!yr )(?<!how )\bold (?:\w+ )?(?:injury|injuries|fall|accident|crash|fracture|"
    r"break)\b|"
    r"\bas an? (?:child|kid|teen\w*|baby|boy|girl|student|toddler)\b|\bbefore (?:i|we) (?:was|were) born\b|"
    r"\bwhen (?:i|he|she|we|they) (?:was|were) "
    r"(?:young|little|small|younger|\d{1,2}|an? (?:child|kid|teen\w*|boy|girl|student|baby|toddler))\b|"
    r"\bin (?:my|his|her|their) (?:childhood|youth|teens|twenties|thirties)\b|\bchildhood\b|\bin (?:19|20)\d\d\b|"
    r"(?<!never )(?<!n't )(?<!not )\bused to\b|\bhistory of\b|\bpast (?:injury|accident|fall)\b|"
    r"\b(?:in|during) the (?:war|army|forces|navy|raf)\b|\bback in the day\b|\bnational service\b|"
    r"\bin (?:my|his|her|their) (?:army|navy|playing|rugby|football|racing|riding|service) days\b"
)
# How long something has lasted: long-standing, not new ("numb for years"). An injury or a fever does not
# last years, so beside one it is some other thing's time ("on steroids for years, coughed and felt a snap").
_LONG_LASTING = re.compile(r"\bfor (?:about |over |nearly |almost |some |many )?(?:\w+ )?(?:years|decades)\b|"
                           r"\byears of\b|\bsince forever\b|\b(?:all|for) (?:my|his|her) (?:whole )?life\b|"
                           r"\bfor as long as (?:i|he|she) can remember\b")
# For an injury, months ago is not recent either ("a fall last spring"); for a symptom it may still be going on.
_MONTHS_AGO = re.compile(
    r"\b(?:months?|seasons?)\s+(?:ago|back|before|since)\b|"
    r"\blast (?:spring|summer|autumn|fall|winter|month|christmas|easter|season)\b"
)
# …unless the same clause also places it recently.
_RECENT = re.compile(
    r"\b(?:yesterday|last night|this (?:morning|afternoon|evening|week)|recent\w*|just now|earlier today|"
    r"last (?:week|weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|on (?:monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)|"
    r"(?:\d+|a|one|two|three|few|couple of) (?:hours?|days?|weeks?) ago)\b"
)
# Someone it happened to, or a moment it happened: what makes "a fall" a report rather than a general question.
_PERSONAL = re.compile(
    r"\b(?:i|i'm|i've|i'd|me|my|myself|he|he's|she|she's|him|his|her|hers|they|them|their|we|us|our|mum|mom|"
    r"mam|dad|wife|husband|son|daughter|friend|partner|boyfriend|girlfriend|grandma|grandad|grandpa|grandmother|"
    r"grandfather|nan|nana|gran|granny|brother|sister|child|kid|baby|patient|yesterday|today|tonight|last night|"
    r"this morning|ago|after|since|following|history|pmh|hx|pt|diagnosed|survivor|"
    r"\d+\s?(?:yo|y/o|yrs?|years?)(?: old)?)\b"
)


_CLAUSE_CHARS = 300


def clause(text: str, start: int, end: int, breaks: re.Pattern[str] = _CLAUSE_BREAK) -> tuple[str, str, str]:
    """The clause around text[start:end], as (before the match, the match, after it)."""
    # A clause is read at most _CLAUSE_CHARS either side: a sentence runs longer than that only in a
    # pasted wall of text, where reading the whole of it for every match would cost quadratic time.
    before, after = text[max(0, start - _CLAUSE_CHARS) : start], text[end : end + _CLAUSE_CHARS]
    found = list(breaks.finditer(before))
    if found:
        before = before[found[-1].end() :]
    stop = breaks.search(after)
    if stop:
        after = after[: stop.start()]
    return before, text[start:end], after


def denied(text: str, start: int, end: int, since: int = 0) -> bool:
    """Whether the match at text[start:end] is denied: "no fever" (up to six words back), "bladder fine".

    Only words from `since` on are read before it: the second part of a pair is not denied by the
    first ("no feeling around my back passage").
    """
    before, _, after = clause(text, start, end)
    before = before[max(0, len(before) - (start - since)) :] if since > start - len(before) else before
    window = " ".join(_NEW_PART.split(before)[-1].split()[-6:])
    if _FINE_AFTER.search(after) or _ANSWERED_NO.match(text, end):
        return True
    if _DOUBT.search(window):
        return False
    return bool(_DENIAL.search(window))


# A sign named as a subject, not reported: "I've been reading about cauda equina", "the NHS page lists fever as a
# warning sign", "red flags like bladder problems".
_TOPIC = re.compile(
    r"\b(?:read(?:ing)? (?:up )?(?:about|on)|heard (?:about|of)|hearing about|learn\w* about|researching|"
    r"(?:articles?|videos?|leaflets?|posts?|threads?|pages?|websites?|sites?|documentar\w*|programmes?|nhs|books?) "
    r"(?:\w+ )?(?:about|on|says?|said|lists?|listed|mentions?|warns?)|"
    # fiction: "a medical drama with a spinal fracture storyline", "a film where someone broke their back"
    r"(?:dramas?|shows?|series|films?|movies?|episodes?|soaps?|storylines?|plots?|characters?|novels?|podcasts?|"
    r"on (?:tv|telly)) (?:\w+ )?(?:about|with|where|in which|featuring))\b")
# …unless the asker says it is theirs: "I read about cauda equina and I think I have it".
_OWNED = re.compile(r"\b(?:(?:i|he|she|they) (?:\w+ )?(?:think|might|may|could|probably|must) (?:\w+ )?"
                    r"(?:have|has|got) (?:it|this|that|them|these|those)|"
                    r"sounds? (?:just |exactly )?like (?:me|my|what (?:i|he|she))|"
                    r"(?:i|he|she) (?:have|has|got) (?:all|some|both|most) of (?:these|those|them|it)|"
                    # a general question, then said to be theirs: "…? its been happening to me since yesterday"
                    r"(?:it|its|it's|this|that|that's|this is)\s+(?:has\s+|is\s+)?(?:been\s+)?happen\w*\s+"
                    r"(?:to|with)\s+(?:me|him|her|us|them|my|his|our)|"
                    r"(?:i've|i have|i'm|he's|she's|he has|she has) (?:\w+ ){0,2}?(?:got|had|having|getting) "
                    r"(?:exactly |just )?(?:that|this|it)(?= *(?:[,.;!?]|$|since|for|now|too|as well|right now))|"
                    r"(?:i|he|she) (?:have|has|get|gets|got|had) (?:exactly |just )?(?:that|this)"
                    r"(?= *(?:[,.;!?]|$|since|for|now|too)))\b")
_NEW_SUBJECT = re.compile(r",|\b(?:i|i'm|i've|i'd|he|he's|she|she's|we|we're|they|they're)\b")
# What a sentence says of every sign it names: "…fever and weight loss as warning signs, but I have neither".
_NONE_OF_THEM = re.compile(
    r"\b(?:(?:i|he|she|they|we) (?:have|has|had|get|gets|got) (?:neither|none)|"
    r"(?:have|has|had)n't got (?:either|any) of|"
    r"(?:neither|none) of (?:which|these|those|them|the above|that)"
    r"(?: (?:do|does|did) (?:i|he|she|they) (?:have|get))?|"
    r"(?:not|none) (?:of )?(?:these|those) apply)\b")
# A question about the signs in general, said so: "can a back spasm make it hurt to breathe, in general?"
_IN_GENERAL = re.compile(r"\b(?:in general|generally speaking|hypothetically|in theory|out of (?:interest|curiosity)|"
                         r"just (?:curious|wondering) in general|(?:just|only|purely) curious|"
                         r"asking for (?:a|an|my|our) (?:\w+ )?(?:assignment|essay|class|course|project|exam|homework|"
                         r"coursework|dissertation|presentation|lecture|module|article))\b")
# "Can back spasms make you feel like you can't breathe?": a sign asked about in anyone, with no one in the sentence.
_ANYONE_AT_ALL = re.compile(r"\b(?:can|could|do|does|will|would|should|is it (?:normal|common|possible|usual))\b.*"
                            r"\b(?:make|makes|cause|causes|give|gives|leave|leaves|for) "
                            r"(?:you|people|someone|somebody|anyone|one)\b")
_SOMEONE = re.compile(r"\b(?:i|i'm|i've|i'd|me|my|mine|myself|he|he's|she|she's|him|his|her|hers|we|us|our)\b")


def named_not_reported(text: str, start: int, end: int) -> bool:
    """Whether the match names the sign as a subject (read about, listed, denied as a list), not as something had.

    "I've been reading about cauda equina", "the NHS lists fever as a warning sign, but I have neither",
    and a sentence with no one in it that asks about anyone ("can spasms make you feel you can't breathe?") or is in
    a question that says it asks in general ("can a spasm make it hurt to breathe, in general?", "do spasms make it
    hard to pee? asking for a uni assignment").
    """
    before, _, _ = clause(text, start, end, _TIME_BREAK)
    # Only what governs the sign itself: "reading about red flags, I have weak legs" reports them.
    before = _NEW_SUBJECT.split(before)[-1]
    if _TOPIC.search(" ".join(before.split()[-8:])) and not _OWNED.search(text):
        return True
    breaks = list(SENTENCE_BREAK.finditer(text, max(0, start - _CLAUSE_CHARS), start))
    stop = SENTENCE_BREAK.search(text, end)
    sentence = text[breaks[-1].end() if breaks else max(0, start - _CLAUSE_CHARS) : stop.start() if stop else len(text)]
    if _SOMEONE.search(sentence):
        return bool(_NONE_OF_THEM.search(sentence))
    return bool(_IN_GENERAL.search(text) or _ANYONE_AT_ALL.search(sentence)) and not _OWNED.search(text)


def long_past(text: str, start: int, end: int, acute: bool) -> bool:
    """Whether the match is placed in the distant past (months back, for an acute sign), and not also recently."""
    around = "".join(clause(text, start, end, _TIME_BREAK))
    past = _DISTANT.search(around) or (_MONTHS_AGO.search(around) if acute else _LONG_LASTING.search(around))
    return bool(past) and not _RECENT.search(around)


def resolved(text: str, start: int, end: int) -> bool:
    """Whether the sentence says, just after the match, that it is over ("…that has cleared up")."""
    sentence_end = SENTENCE_BREAK.search(text, end)
    after = text[end : min(sentence_end.start() if sentence_end else len(text), end + 120)]  # eight words or so
    return bool(_RESOLVED_AFTER.search(after))


# A sentence that starts with its verb or state has left out its "I": "On chemo for bowel cancer", "Fell off a ladder".
_WITHOUT_SUBJECT = re.compile(r"(?:on|been|had|having|diagnosed|finished|started|currently|recently|fell|slipped|"
                              r"tripped|came|was|just|still|went|in remission|post|recovering|living with|survivor|"
                              r"survived|undergoing|awaiting)\b")


def about_someone(text: str, start: int, end: int) -> bool:
    """Whether the clause says whom it happened to or when ("I", "my mum", "yesterday"), or leaves out its "I"."""
    around = "".join(clause(text, start, end, _TIME_BREAK))
    if _PERSONAL.search(around) or _RECENT.search(around):
        return True
    breaks = list(SENTENCE_BREAK.finditer(text, max(0, start - _CLAUSE_CHARS), start))
    return bool(_WITHOUT_SUBJECT.match(text, breaks[-1].end() if breaks else max(0, start - _CLAUSE_CHARS)))


# --- Whose sign it is ---------------------------------------------------------------------------------
# "My son's got a temperature and I've done my back in carrying him": the fever is not in the back that
# hurts. A sign counts when it belongs to someone whose back the question is about, or when the
# question does not say whose it is.

_PEOPLE = (r"(?:mum|mom|mam|mummy|mommy|mother|dad|daddy|father|husband|hubby|wife|partner|boyfriend|bf|girlfriend|gf|"
           r"fiance|fiancee|spouse|sons?|daughters?|child|children|kids?|bab(?:y|ies)|toddler|boy|girl|teen|teenager|"
           r"brother|sister|nan|nana|nanna|nanny|gran|granny|grandma|grandmother|grandad|granddad|grandpa|grandfather|"
           r"grandson|granddaughter|grandparents?|parents?|aunt|auntie|aunty|uncle|nephew|niece|cousin|in-laws?|"
           r"stepdad|stepmum|stepson|stepdaughter|friend|mate|pal|neighbou?r|colleague|co-?worker|boss|clients?|"
           r"patients?|residents?|flatmate|housemate|dog|cat|puppy|pup|man|woman|lady|guy|bloke|"
           r"gentleman|person|year old|yo|y/o)")
# Words for the same person, read as one: "my mum ... mother", "my husband ... hubby".
_SAME_PERSON = {"mom": "mum", "mam": "mum", "mummy": "mum", "mommy": "mum", "mother": "mum", "daddy": "dad",
                "father": "dad", "hubby": "husband", "bf": "boyfriend", "gf": "girlfriend", "nana": "nan",
                "nanna": "nan", "nanny": "nan", "gran": "nan", "granny": "nan", "grandma": "nan",
                "grandmother": "nan", "granddad": "grandad", "grandpa": "grandad", "grandfather": "grandad",
                "auntie": "aunt", "aunty": "aunt", "sons": "son", "daughters": "daughter", "kids": "kid",
                "children": "kid", "child": "kid", "babies": "baby", "pup": "puppy", "neighbor": "neighbour",
                "coworker": "colleague", "co-worker": "colleague"}
# Nouns that say only "someone else": read like "he" or "she".
_ANIMALS = {"dog", "cat", "puppy"}
_ANYONE = {"man", "woman", "lady", "guy", "bloke", "gentleman", "person", "year old", "yo", "y/o", "boy", "girl",
           "teen", "teenager"}
_PERSON = re.compile(
    rf"(?P<noun>(?:\b(?:my|his|her|their|our|your|the|a|an)\s+(?:[\w()-]+\s+){{0,3}}?)?\b{_PEOPLE}(?:'?s)?\b"
    rf"(?:\s+(?:[\w-]+\s+)?{_PEOPLE}(?:'?s)?\b)*)"
    r"|(?P<self>\b(?:i|i'm|i've|i'd|i'll|me|my|myself|mine)\b)"
    # Not "they": it is as often the legs or the spasms ("my legs … they give way") as a person.
    r"|(?P<other>\b(?:he|he's|him|his|himself|she|she's|her|hers|herself)\b)"
    r"|(?P<we>\b(?:we|we're|we've|us|our|ourselves)\b)"
)
# A possessive after a preposition owns a thing; when a new clause follows it, not the sign: "bent down for the
# cat's bowl and felt something go" is hers.
_OBJECT_OWNER = re.compile(r"\b(?:for|to|at|with|from|into|onto|over|under|near|by|in|on|off|round|around|past) "
                           r"(?:the|a|my|his|her|their|our|your) (?:[\w-]+ )?[\w-]+'s$")
_PERSON_WORD = re.compile(rf"\b({_PEOPLE})(?:'?s)?\b")
_POSSESSED_BACK = re.compile(r"\b(?P<owner>my|his|her|their|our|[a-z]+'s)\s+(?:(?:own|lower|upper|middle|mid|bad|sore|"
                             r"poor|whole)\s+){0,2}(?:back|spine)\b")
_BACK = re.compile(r"\bback\s?(?:pain|ache|aches|aching|spasms?|spasming|problems?|issues?|twinges?|hurts?|"
                   r"is|has|went|gone|keeps)\b|\b(?:sore|bad|painful|aching) back\b")


def _person(match: re.Match[str]) -> str:
    """Who a reference is: "self", "we", "other" (he, she, someone) or the noun ("mum", "son")."""
    if match.group("noun"):
        words = _PERSON_WORD.findall(match.group("noun"))
        word = words[-1] if words else ""
        return "other" if word in _ANYONE else _SAME_PERSON.get(word, word)
    return "self" if match.group("self") else "other" if match.group("other") else "we"


def _same(a: str, b: str) -> bool:
    if "we" in (a, b) or a == b:
        return True
    return "self" not in (a, b) and "other" in (a, b)


def whose(text: str, start: int, end: int, after: bool = True) -> str | None:
    """Who text[start:end] is about: the last person named before it in its sentence ("my son's got a
    temperature": "son"), else (if `after`) the first named after it in its clause ("chemo for my dog"), else None."""
    breaks = list(SENTENCE_BREAK.finditer(text, max(0, start - _CLAUSE_CHARS), start))
    begin = breaks[-1].end() if breaks else max(0, start - _CLAUSE_CHARS)
    found = None
    for m in _PERSON.finditer(text, begin, min(len(text), end + _CLAUSE_CHARS)):
        if m.start() >= start:
            break
        if m.group("noun") and _OBJECT_OWNER.search(text, max(0, m.start() - 12), m.end()) \
                and _CLAUSE_BREAK.search(text, m.end(), start):
            continue  # "for the cat's bowl and felt something go"; but "with my son's high fever" is the son's
        found = m
    if found is None and after:
        _, _, rest = clause(text, start, end)
        found = _PERSON.search(text, start, end + len(rest))
    return _person(found) if found else None


@lru_cache(maxsize=256)  # asked once for every match in the question
def back_owners(text: str) -> frozenset[str]:
    """Whose back the question says hurts: "my back" is the asker's, "her back" someone else's."""
    owners = set()
    for m in _POSSESSED_BACK.finditer(text):
        owner = m.group("owner")
        if owner.endswith("'s"):
            word = owner[:-2]
            if re.fullmatch(_PEOPLE, word):
                owners.add("other" if word in _ANYONE else _SAME_PERSON.get(word, word))
        else:
            owners.add({"my": "self", "our": "we"}.get(owner, "other"))
    # Not the person after it: "back went on Monday picking up my daughter" is the asker's back.
    for m in _BACK.finditer(text):
        if (who := whose(text, m.start(), m.end(), after=False)) is not None:
            owners.add(who)
    return frozenset(owners)


def in_the_back_asked_about(text: str, start: int, end: int) -> bool:
    """Whether the sign at text[start:end] belongs to someone whose back pain the question is about.

    True when either is unsaid: "numb bits down below" names no one, and "fever and back pain" no back's owner.
    """
    who = whose(text, start, end)
    if who in _ANIMALS:
        return False  # the notice is for people: "my dog has back spasms and a temperature"
    owners = back_owners(text)
    return who is None or not owners or any(_same(who, owner) for owner in owners)
