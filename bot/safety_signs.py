# ruff: noqa: E501
# (a phrasing reads better whole than cut at a column)
"""The warning signs and the ways people write them (read by bot/safety.py).

The NHS's reasons to get urgent help with back pain: the signs that point to nerve compression,
infection, a fracture, cancer, or the heart and lungs rather than an ordinary spasm. Each sign is a
name, the words the notice uses for it, and its phrasings: whole phrases, and pairs of parts that
count when they meet in one sentence in either order ("numbing around my bum", "my crotch feels
weird and numb"), or anywhere in the question for signs made of two facts (a weakened immune
system and a fever). Phrasings are matched on the normalised, spell-corrected question
(bot/safety_text.py), and only in a clause that reports the sign (not denied, not long past).

No phrasing here exists for one test question: each is a way of saying the sign, written from the
sign's side. SIGN_WORDS, the words typos are corrected to, are the content words of these phrasings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Pair:
    """Two parts of a sign that count only together, within `window` words of each other."""

    first: str
    second: str
    window: int = 12
    #: False: anywhere in the question (two facts, such as a weakened immune system and a fever).
    same_sentence: bool = True
    #: False where the second part is itself a qualifier that may hold a negation ("no position eases it").
    check_second: bool = True
    #: True where the first part is a lasting state (osteoporosis, long-term steroids): found years ago, it still holds.
    lasting_first: bool = False

    @cached_property
    def compiled(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        return re.compile(self.first), re.compile(self.second)


@dataclass(frozen=True)
class Sign:
    """A warning sign: its name (in `Answer.signs`), how the notice says it, and its phrasings."""

    name: str
    #: The notice's words for it, after "You mention": "numbness around the groin or buttocks".
    mention: str
    phrases: tuple[str, ...] = ()
    pairs: tuple[Pair, ...] = field(default=())
    #: False for signs the article lists as ordinary causes (falls, accidents): a general "can a fall
    #: cause…?" does not count; the clause has to say whom it happened to or when.
    general_counts: bool = True
    #: Something that happens and passes (an injury, a fever): months ago is long past too ("a fall last
    #: spring", "a fever last month").
    acute: bool = False
    #: A history that counts however long ago (cancer).
    past_counts: bool = False
    #: Say to call the emergency number now (chest pain, trouble breathing).
    emergency: bool = False
    #: Words that, shortly before a phrasing in its clause, make it a question about the sign rather than
    #: a report of it ("can heat pads cause cancer?", "could it be cancer?").
    not_after: str | None = None
    #: Words that, anywhere in its sentence, say the phrasing is about something ordinary ("my chest
    #: muscles are sore from the gym").
    unless_words: str | None = None
    #: The sign's subject, loosely (bladder, toilet, pee…): the learned second opinion may name the sign only
    #: in a sentence that speaks of it (bot/safety_classifier.py).
    cue_words: str = ""

    @cached_property
    def cues(self) -> re.Pattern[str]:
        return re.compile(self.cue_words)

    @cached_property
    def unless(self) -> re.Pattern[str] | None:
        return re.compile(self.unless_words) if self.unless_words else None

    @cached_property
    def compiled(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.phrases)


_MY = r"(?:(?:my|the|your|a|an|his|her|their|our|both|one|left|right|lower|upper|whole|entire)\s+){0,3}"
_CANT = (r"(?:cannot|unable to|(?:not|n't|haven't been|hasn't been|not being|wasn't|weren't) able to|"
         r"couldn't|could not|can no longer|no longer|struggl\w* to|hard to|trouble|difficulty|can barely|"
         r"can hardly|barely|hardly)")
_WHO = r"(?:i|he|she|they|we|you|it)"
_SELF = r"(?:myself|himself|herself|themselves|yourself|ourselves)"

# --- Loss of bladder or bowel control -----------------------------------------------------------------
_BLADDER = r"(?:bladder|bowels?|waterworks)"
# "Bowls" is a word of its own, so never corrected; after "control of my" it can only mean the bowels.
_CONTROLLED = r"(?:bladder|bowels?|bowls|waterworks)"
_TOILET = (r"(?:pee|wee|urinate|pass(?:ing)? (?:urine|water)|go (?:for a )?(?:pee|wee)|empty (?:my|his|her|their|the) "
           r"(?:bladder|bowels?)|start (?:peeing|weeing)|peeing|weeing|urinating)")
BLADDER = Sign(
    "Loss of bladder or bowel control",
    "loss of bladder or bowel control",
    phrases=(
        rf"\b(?:loss|lose|losing|lost)\s+(?:of\s+)?(?:(?:all\s+)?control\s+(?:of|over)\s+)?{_MY}{_BLADDER}\b",
        rf"\b(?:loss|lose|losing|lost)\s+(?:all\s+)?control\s+(?:of|over)\s+{_MY}{_CONTROLLED}\b",
        rf"\b(?:no|poor|little|zero|less|reduced)\s+(?:\w+\s+)?control\s+(?:of|over)\s+{_MY}{_CONTROLLED}\b",
        rf"\b{_BLADDER}\s+(?:(?:has|have|is|are|keeps?)\s+(?:been\s+)?)?leak\w*\b",
        rf"\b{_BLADDER}\s+(?:control|function|accidents?|(?:has |have |is |are |keeps? )?(?:stopped|gone|failing|"
        r"failed|weak|not working|given up|let go|letting go|going on (?:me|him|her)))\b",
        rf"\b{_CANT}\s+(?:\w+\s+){{0,3}}(?:control|hold|empty|feel|stop|tell)\s+{_MY}(?:bladder|bowels?|pee|urine|wee|"
        r"poo|stool|peeing|weeing|pooing|it in)",
        rf"\b{_CANT}\s+(?:\w+\s+){{0,2}}{_TOILET}\b",
        rf"\b{_CANT}\s+(?:\w+\s+)?(?:control|tell|feel|stop) (?:when|if) {_WHO} (?:pee|wee|poo|go|need|needs)\b",
        rf"\b(?:cannot|don't|do not|didn't|doesn't|does not|can't) (?:even )?(?:feel|tell|know) (?:when|if) {_WHO} "
        r"(?:need|needs|have|has|want|wants) (?:to (?:pee|wee|urinate|go|poo|poop)|a (?:pee|wee|poo|poop))",
        r"\bincontinen(?:ce|t)\b(?!\s+(?:pads?|products?|pants|sheets?|nurse|clinic|service|team|supplies))",
        r"\b(?:keeps?|kept|keep on) (?:leaking|dribbling|wetting (?:myself|himself|herself|the bed))\b",
        # No urge, or finding it has already happened: "I don't get the urge to go anymore, I just find I've gone".
        r"\b(?:don't|do not|doesn't|does not|cannot|no longer|never) (?:\w+ )?(?:get|feel|have|know) (?:the |any |an )?(?:urge|need|"
        r"sensation|feeling) (?:to (?:go|pee|wee|poo|urinate)|of (?:needing|a full bladder))\b",
        r"\b(?:find|found|finds|realise|realised|realize|realized) (?:that )?(?:i've|i have|he's|he has|she's|she has|i'd|i had) "
        r"(?:already )?(?:gone|been)\b(?! (?:to|out|away|back|home|for))",
        r"\b(?:wear(?:ing)?|need(?:ing)?|started on|had to (?:start )?wear(?:ing)?) (?:\w+(?:'s)? ){0,2}(?:pads|nappies|diapers|"
        r"incontinence pads|adult nappies|pull[- ]?ups)\b(?! for (?:my |her )?periods?)",
        rf"\b(?:wet|wetting|wets|soil(?:ed|ing)?|peed|peeing|pooed|pooing|pooped|pooping|pee|poo|poop|wee|weed|weeing|"
        rf"shat|shit|messed|messing|mess)\s+(?:\w+\s+)?(?:{_SELF}|(?:my|his|her|their) (?:pants|trousers|knickers|underwear|bed|"
        r"jeans|nappy)|the bed)\b",
        r"\b(?:leak\w*|dribbl\w*|drip\w*)\s+(?:\w+\s+)?(?:urine|pee|wee|stool|poo)\b",
        r"\b(?:urine|pee|wee|poo)\s+(?:\w+\s+)?(?:leak\w*|dribbl\w*|comes out|just comes)\b",
        rf"\baccidents? (?:with|of) {_MY}{_BLADDER}\b",
        r"\b(?:had|having|has|have|keeps? having) (?:an? |some )?(?:little |small )?accidents? (?:in (?:the |my |his |her "
        r")?(?:bed|pants|trousers|knickers|chair)|(?:at|during the) night)\b",
        r"\b(?:pee|peeing|wee|weeing|poo|pooing|leak|leaking|bowels?|bowel movements?|stools?|urine)\b(?:\s+\w+){0,7}\s+"
        r"without (?:even )?(?:meaning|wanting|noticing|realising|realizing|knowing|feeling|(?:any )?warning)\b",
        r"\burinary retention\b|\bretaining urine\b|\bretention of urine\b",
        r"\bneed(?:s|ing)? to (?:go|pee|wee) (?:\w+ ){0,3}but (?:hardly|barely|nothing|not much|very little|only a \w+) "
        r"(?:\w+ )?(?:comes? out|happens)\b",
        r"\bbladder (?:\w+ )?(?:feels?|feeling|is|stays?|keeps feeling) (?:\w+ )?full\b",
        r"\b(?:having|had|have|getting|get|got|keep having|keep getting)\s+(?:\w+\s+){0,4}?leaks\b",
        r"\b(?:not|haven't|hasn't|hadn't|cannot|couldn't) (?:had|done|passed|have|do|pass) (?:a |any )?(?:wee|pee|urine|"
        r"water)\s+(?:since|for|in|all)\b",
        r"\b(?:getting|get|got|gets|keep getting|being) caught short\b",
    ),
    pairs=(
        Pair(r"\b(?:wee|pee|urine|stream|flow)\b", r"\b(?:barely|hardly|won't|will not|doesn't|does not|only) "
             r"(?:\w+ ){0,2}(?:comes? out|trickles?|flows?|starts?)|\btrickle\b", window=8, check_second=False),
        # Retention told plainly: "I need to go constantly but hardly anything comes out".
        Pair(r"\b(?:need(?:s|ing)? to go|go to the (?:loo|toilet)|on the (?:loo|toilet)|wee|pee|urine|bladder)\b",
             r"\b(?:(?:hardly|barely|nothing|not much|very little|only a (?:dribble|trickle|drop|little)) (?:\w+ )?"
             r"(?:comes? out|happens)|never (?:\w+ ){0,3}(?:finish|finished|empty|emptied))\b", window=14,
             check_second=False),
        # Not making it in time: "a couple of near misses getting to the toilet, not made it once".
        Pair(r"\b(?:loo|toilet|bathroom|lavatory)\b", r"\b(?:(?:not|didn't|did not|never|haven't|hasn't|don't|doesn't) "
             r"(?:always |quite )?ma(?:de|ke) it|near miss(?:es)?)\b", window=10, check_second=False),
        # Nothing comes: "he's been sat on the loo for an hour and nothing".
        Pair(r"\bon the (?:loo|toilet)\b", r"\b(?:(?:and|but) nothing|nothing (?:comes?|came|happens|happened))\b",
             window=10, check_second=False),
        # No warning, or it simply comes: "zero warning before needing a wee", "twice it's just come out".
        # (The "no" is the sign's, so it comes first: a denial is read only after it.)
        Pair(r"\b(?:(?:it|its|it's|it has|has) (?:\w+ )?(?:come|came|comes|coming) out|(?:no|zero|without (?:any )?) ?warning)\b(?! signs?| symptoms?)",
             r"\b(?:wee|pee|poo|urine|bladder|bowels?|toilet|loo|number (?:one|two)s?)\b", window=10),
        # "Can't hold it" beside what "it" is: "used to have a good bladder but now I can't hold it at all".
        Pair(rf"\b{_CANT} (?:\w+ )?hold (?:it|on)\b", r"\b(?:bladder|bowels?|wee|pee|toilet|loo|urine|poo)\b", window=12,
             same_sentence=False, check_second=False),
        # A euphemism made plain beside it: "two 'accidents' today, number twos".
        Pair(r"\baccidents?\b", r"\b(?:number (?:ones?|twos?)|poo\w*|wee\w*|pee\w*|bowels?|bladder|soiled|pants|"
             r"knickers|underwear|trousers)\b", window=6),
    ),
    # A cause long known and not the back: "weak bladder after three kids", "pads for my periods".
    unless_words=(r"\b(?:after (?:\w+ )?(?:kids|children|babies|pregnanc\w+|childbirth|giving birth)|pelvic floor|"
                  r"since (?:having|the birth of) (?:\w+ )?(?:kids|children|babies|baby)|periods?|menstrua\w*)\b"),
    cue_words=(r"\b(?:bladder|bowels?|bowls|waterworks|pee(?:s|d|ing)?|wee(?:s|d|ing)?|urin\w*|toilet|loo|poo(?:s|ed|ing|p|ps|ped|ping)?|"
               r"incontinen\w*|pads|nappies|leak\w*|accidents?|wet(?:s|ting)?|soil(?:ed|ing)?|dribbl\w*|trickle|"
               r"number (?:ones?|twos?)|mess(?:ed|ing)? (?:myself|himself|herself)|caught short|pants|knickers)\b"),
)

# --- Numbness around the groin or buttocks (saddle numbness) -----------------------------------------
# Numbness from how someone sat, gone once they move, is a limb "gone to sleep", not a nerve pressed in the spine:
# "my bum went numb on a hard pew (fine once I stood up)", "numb down there after a long bike ride".
_POSITIONAL = (r"(?:fine|normal|ok|okay|gone|goes away|went away|wears off|wore off|passes|passed|back to normal|comes back|came back)"
               r" (?:\w+ ){0,2}?(?:once|as soon as|when|after) (?:i|he|she|they|you|we) (?:stand|stood|stands|get up|got up|"
               r"gets up|move|moved|moves|walk|walked|walks|shift\w*|chang\w* position)")
_FROM_SITTING = (r"(?:sitting|sat|sit) (?:on|in) (?:a |the |my )?(?:hard|wooden|uncomfortable|plastic|metal) (?:\w+ )?"
                 r"(?:chair|seat|pew|bench|stool|floor|surface)|"
                 r"(?:from|after|while|when|in|at) (?:\w+ ){0,2}?(?:sitting|sat|cycling|riding|a (?:long )?(?:bike|cycle|horse) ride|"
                 r"(?:a |the )?spin(?:ning)? class)"
                 r"|(?:sitting|sat) (?:on|in) (?:\w+ ){0,3}?(?:for (?:\w+ )?(?:hours|ages|too long)|all day)")
_NUMB = (r"(?:numb\w*|par(?:a)?esthesi\w*|hyp(?:o|a)(?:a)?esthesi\w*|no feeling|no longer (?:have |got )?(?:any )?"
         r"(?:feeling|sensation)|no sensation|los[st] (?:of )?(?:the )?(?:feeling|sensation)|lack of (?:feeling|"
         r"sensation)|reduced (?:feeling|sensation)|less (?:feeling|sensation)|altered sensation|tingl\w*|"
         r"pins and needles|dead|cannot feel|can barely feel|can hardly feel|not my (?:own )?skin|"
         r"like (?:after )?(?:a |an |the )?(?:\w+ )?(?:injection|local|an(?:a)?esthetic|novocaine|dentist)|asleep|frozen|"
         r"(?:been )?(?:injected|an(?:a)?esthe[st]i[sz]ed) with|"
         r"fuzzy|muffled|rubbery|wooden|(?:like|belongs? to|belonged to) (?:\w+ )?(?:someone|somebody) else(?:'?s)?)")
_GROIN = (r"(?:between (?:my |his |her |their |the )?legs|groin|genitals?|genital area|private(?:s| parts| area| bits)|"
          r"crotch|inner thighs?|buttocks?|butt(?: cheeks?)?|bum(?: cheeks?)?|bottom(?! of)|backside|arse|ass|anus|"
          r"back passage|perineum|perineal|taint|saddle(?: area| region)?|vagina|vulva|labia|lady (?:bits|parts)|down below|"
          r"willy|dick|fanny|vag|(?:my|his|her) bits|nether regions?|lady (?:area|garden)|front bottom|"
          r"(?:my|his) (?:tackle|undercarriage)|family jewels|"
          r"bits down there|down there|nether regions|penis|testicles|scrotum|my balls|his balls|where (?:i|you|he|she) "
          r"sits?|sit bones|sitting bones)")
SADDLE = Sign(
    "Numbness around the groin or buttocks",
    "numbness around the groin, buttocks or between the legs",
    phrases=(
        r"\bsaddle (?:an(?:a)?esthesia|numbness|area numb\w*)\b",
        r"\bcauda equina\b",
        r"\b(?:cannot|can barely|can hardly|don't|do not|can't) (?:really |properly )?feel (?:the|my|his|her) (?:toilet )?"
        r"seat\b|\bfeels? like (?:i'm |i am |he's |she's )?sitting on (?:a )?(?:cushion|pillow|sponge|nothing)\b",
        rf"\b(?:cannot|don't|do not|didn't|can barely|can hardly) (?:really )?feel (?:the )?(?:(?:toilet|loo) (?:paper|tissue|roll)|"
        rf"{_SELF}|it|anything|much|my skin) (?:\w+ )?when {_WHO} (?:wipes?|wiping|pees?|wees?|sits?|go to the "
        r"(?:loo|toilet))\b",
        rf"\bfeels? like (?:my|his|her) {_GROIN} (?:isn't|is not|wasn't|was not|aren't|are not) (?:even )?there\b",
        r"\b(?:wip(?:e|es|ing)|pee|wee|go to the (?:loo|toilet))\b(?:\s+\w+){0,8}\s+(?:feels?|is|are|felt)\s+(?:\w+\s+){0,4}?"
        r"(?:numb\w*|dead|different|strange|not my (?:own )?skin|like (?:it's|its|it is) not (?:mine|my skin)|"
        r"like (?:\w+ )?(?:someone|somebody) else(?:'?s)?)",
    ),
    pairs=(
        Pair(rf"\b{_NUMB}\b", rf"\b{_GROIN}\b", window=9),
    ),
    unless_words=rf"\b(?:{_POSITIONAL}|{_FROM_SITTING})\b",
    cue_words=(r"\b(?:groin|bum|butt(?:ocks?)?|bottom|backside|crotch|genital\w*|privates?|between (?:my|his|her|the) legs|"
               r"down there|down below|saddle|perine\w*|anus|back passage|bits|vagina|vulva|labia|penis|testic\w*|scrot\w*|"
               r"balls|wip(?:e|es|ed|ing)|toilet|seat|tackle|nether|inner thighs?|sit bones|where i sit)\b"),
)

# --- New weakness or numbness in the legs --------------------------------------------------------------
_LEG = r"(?:legs?|feet|foot|ankles?|knees?|thighs?|toes|calf|calves|shins?)"
_LEGS = (r"(?:legs|feet|both (?:my |his |her )?(?:legs|feet|foot|leg)|(?:my|his|her|their) (?:two|both) (?:legs|feet)|"
         # one side, then the other: "right leg has gone numb from the hip down and left is tingling"
         r"(?:right|left) (?:leg|foot)\b(?:\s+\S+){0,8}?\s+(?:and|&) (?:the |my |his |her )?(?:left|right)\b"
         r"(?! (?:arm|hand|shoulder|side|hip|elbow|wrist|ear|eye|buttock|cheek)))")
_WEAK = (r"(?:weak\w*(?! (?:lower |upper )?(?:back|spine|core|abs|stomach|tummy|arms?|hands?|grip|wrists?|neck|"
         r"shoulders?|bladder|pelvic floor)\b)|no strength|lost (?:all )?(?:the )?strength|loss of strength|no power|lost power|paraly[sz]\w*|"
         r"giv(?:e|es|ing) (?:way|out)|gave (?:way|out)|wobbl\w* (?:and|&) (?:give|gives|buckle|buckles|fold|folds)|"
         r"(?:give|gives|gave)(?= *(?:[,.;!?]|$))|(?:keeps?|kept|keep on) going (?:dead|from under)|buckl\w*|collaps\w*|like jelly|useless|floppy|"
         r"won't (?:hold|work|take|support|lift|move|go)|will not (?:hold|work|take|support)|"
         r"(?:doesn't|does not|don't|cannot) (?:hold|support|take) (?:my|his|her|their) weight|"
         r"not (?:working|responding)|stopped working|(?:went|go|goes|going|gone|keep going) (?:out )?from under|"
         r"(?:went|gone|turned|go|goes) to jelly|jelly|flops? about|(?:won't|will not|doesn't|does not) (?:\w+ )?(?:do what|"
         r"obey|listen))")
LEGS = Sign(
    "Weakness or numbness in the legs",
    "new weakness or numbness in the legs",
    phrases=(
        r"\bfoot drop\b|\bdrop foot\b|\bdrag(?:s|ging)? (?:my|his|her|one|a|their) (?:foot|leg)\b|\bjelly legs\b",
        r"\b(?:foot|leg) (?:\w+ )?(?:drags|dragging|slaps|slapping|flops|flopping|flaps|flapping)\b",
        # Not over something in the way: "I keep tripping over the dog".
        r"\b(?:keeps?|kept|keep on) (?:stumbling|tripping(?: over| up)?)\b(?! (?:over |on )?(?:the|a|an|our|my|his|her) (?:\w+ )?"
        r"(?:dogs?|cats?|kids?|toys?|cables?|wires?|leads?|bags?|shoes|rugs?|mats?|hose))",
        r"\b(?:foot|feet|toes) (?:\w+ )?(?:catch\w*|scuff\w*|snag\w*) on the (?:ground|floor|carpet|stairs?|steps?|pavement)\b",
        rf"\b{_CANT}\s+(?:\w+\s+){{0,2}}(?:pull|lift|bring) (?:up )?{_MY}(?:toes|foot|feet)(?: up)?\b",
        rf"\b{_CANT}\s+(?:\w+\s+){{0,3}}(?:lift|move|feel|raise|stand on|walk on|bear weight on|control|push off with|"
        rf"point|flex|wiggle)\s+{_MY}{_LEG}\b|\b{_CANT}\s+(?:\w+\s+){{0,2}}stand on (?:my |his |her )?(?:tip ?toes|toes|heels)\b",
        rf"\b{_CANT}\s+(?:\w+\s+){{0,2}}(?:stand|walk|get up)\b(?:\s+\w+){{0,4}}\s+(?:because|as|since) (?:my|his|her) "
        rf"{_LEG} (?:\w+ )?(?:give|gave|giving|buckl|collaps|won't|are|is|feel)",
        r"\b(?:cannot|can barely|can hardly|barely|hardly|no longer|don't|do not|didn't) feel (?:my|his|her|their) "
        r"(?:legs|feet)\b",
        rf"\b{_LEGS} (?:have |has |keep |keeps |kept )?(?:\w+ )?'?(?:gone|go|goes|going|went) to sleep\b",
    ),
    pairs=(
        Pair(rf"\b{_WEAK}\b", rf"\b{_LEG}\b", window=8),
        Pair(rf"\b{_NUMB}\b", rf"\b{_LEGS}\b", window=7),
    ),
    # Another part's weakness, said just before it: "my back still feels weak and I can't touch my toes".
    not_after=(r"\b(?:back|spine|core|abs|stomach|tummy|arms?|hands?|grip|wrists?|neck|shoulders?)(?: muscles?)?"
               r"(?: (?:still|now|also|just|so|too|feels?|felt|feeling|is|was|are|were|has|have|been|gone|got|getting|"
               r"seems?|seemed|all|generally))+$"),
    # Legs tired from what they did: "weak from the marathon", "knees weak after kneeling for hours".
    unless_words=(r"\b(?:(?:from|after) (?:the |a |my |all the |all that |hours of |a day of |a long )?(?:marathon|run|"
                  r"running|race|gym|workout|training|leg day|squats?|lunges|hike|hiking|walk|walking|cycling|bike ride|"
                  r"exercis\w+|standing|football|match|game|climbing|dancing|(?:\w+ )?class|(?:\w+ )?session|yoga|"
                  r"pilates|swim\w*)|kneel\w*|knelt|"
                  # "weak at the knees for my new physio": the idiom
                  r"weak at the knees (?:for|over|at|when|whenever|every time|thinking)|"
                  + _POSITIONAL + r")\b"),
    cue_words=(r"\b(?:legs?|foot|feet|knees?|thighs?|toes?|calf|calves|ankles?|shins?|walk(?:s|ed|ing)?|stand(?:s|ing)?|"
               r"stumbl\w*|tripp\w*|stairs)\b"),
)

# --- Fever (and the immune system) -----------------------------------------------------------------------
_FEVER = (r"(?:(?<!hay )(?<!cabin )(?<!spring )(?<!yellow )(?<!night )(?<!football )(?<!gold )(?<!jungle )"
          r"\bfe(?:ver|vers|verish|very)\b(?! (?:pitch|dream|tree|few))|"
          r"\b(?:high|raised|very high|raging|sky[- ]high|really high|slight|bit of a|running a|have a|has a|had a|got a|with a|and a|developed a|"
          r"spiking a|spiked a|ran a|runs a|low[- ]grade)\s+(?:temp|temperature|fever)s?\b(?!\s+(?:check|checks|checked|reading|setting|"
          r"settings|gun|probe|control|sensor|of the))|"
          r"\b(?:temp|temperature)s?\s+(?:of|is|was|at|reached|hit|went up to|around|about|up to|'s|has been|"
          r"keeps going up to)\s+(?:about |around |over |nearly |almost |like )?(?:3[7-9]|4[0-2]|9[89]|10\d)|"
          r"\b(?:temp|temperature)s?\s+(?:is |was |'s |has been |keeps )?(?:up|high|raised|through the roof|spiking|"
          r"going up)\b|"
          r"\b(?:3[89]|4[01])[.,]\d\b|(?<!it was )(?<!it's )(?<!it is )(?<!its )\b(?:3[89]|4[01])\s?(?:°|degrees|deg)\s?c?\b"
          r"(?!\s+(?:\w+\s+){0,2}(?:outside|out there|on holiday|in the (?:sun|shade)|today|here|heat))|"
          r"\b10[0-5](?:\.\d)?\s?(?:°|degrees|f)\b|"
          r"\bburning up\b|\bhot and (?:cold|shivery|sweaty)\b(?! (?:therapy|packs?|compress\w*|treatment|water))|"
          r"\b(?:chills|shiver(?:s|ing|y))\b(?!\s+(?:down|up) (?:my|the|your|his|her) (?:spine|back)|\s+(?:\w+\s+)?"
          r"(?:thinking|at the thought|when (?:i|you) think)|(?:\s+\w+){0,6}?\s+(?:out of (?:a |the )?(?:\w+ )?(?:bath|shower|"
          r"pool|sea)|(?:from|in|into) (?:a |the )?cold\b|cold (?:room|house|air|water|weather|wind|shower)))|\brigou?rs\b|"
          r"\b(?:cannot|couldn't|could not|can't) stop (?:shaking|shivering)\b|\bteeth (?:\w+ )?chattering\b|"
          r"\bshaking (?:uncontrollably|all over|like a leaf)\b|\bthe shakes\b|"
          r"\b(?:roasting|boiling|sweating|burning up)\b(?:\s+\w+){0,5}\s+(?:freezing|shivering|shivery)\b|"
          r"\b(?:freezing|shivering|shivery)\b(?:\s+\w+){0,5}\s+(?:roasting|boiling|sweating|burning up)\b|"
          r"\bnight sweats\b|\bsweat(?:s|ing) at night\b|\bdrenched in sweat\b|\bdrenching sweats\b|"
          r"\b(?:spinal|spine|back|kidney|bone|disc|epidural|vertebral) (?:infection|abscess)\b|"
          r"\b(?:discitis|osteomyelitis|pyelonephritis|sepsis|septic|febrile|pyrexi\w*)\b)")
FEVER = Sign(
    "Fever", "a fever", phrases=(_FEVER,), acute=True,
    unless_words=(r"\b(?:heating|thermostat|hot tub|sauna|jacuzzi|heat pad|heating pad|hot water bottle|setting|settings|"
                  r"weather|the cold|cold weather|freezing cold|air con\w*|room temperature|(?:hot|warm) (?:bath|shower)s?|"
                  r"(?:bath|shower) water|(?:i'm|i am|he's|she's|he is|she is) not (?:ill|sick|unwell|poorly)|"
                  # a vaccine's day of feeling rough
                  r"(?:after|from|with|and) (?:my |the |a |his |her )?(?:flu |covid |)?(?:jab|vaccine|vaccination|booster))\b"),
    pairs=(
        # Rigors told plainly: "shaking under the duvet, couldn't get warm, then woke up drenched".
        Pair(r"\b(?:shaking|shivering|shivery|trembling|teeth (?:\w+ )?chattering)\b",
             r"\b(?:(?:cannot|couldn't|could not) (?:get|keep|stay) warm|drenched|soaked|soaking|sweat(?:s|ing|y)?)\b", window=14),
    ),
    cue_words=(r"\b(?:fever\w*|temps?|temperatures?|hot|cold|shiver\w*|sweat\w*|chills?|chilly|rigou?rs|shak(?:e|es|ing|y)|"
               r"infect\w*|flu|degrees|thermometer|burning up|clammy|boiling|freezing|\d\d[.,]\d)\b"),
)

_IMMUNE = (r"\b(?:immuno[- ]?suppress\w*|immune[- ]?suppress\w*|immuno[- ]?compromised|immune[- ]?compromised|"
           r"(?:weak|weakened|low|poor|compromised|suppressed|no) immune (?:system)?|immune system (?:is |was )?"
           r"(?:weak\w*|low|compromised|suppressed|shot|rubbish)|transplant\w*|chemo\w*|hiv|aids|"
           r"(?:on|taking|takes?|take|started) (?:\w+ ){0,2}(?:(?:steroids|prednisolone|prednisone)(?! for (?:a|one|two|three|"
           r"\d+|a few|a couple of) (?:days?|weeks?)| course)|methotrexate|"
           r"biologics?|humira|dexamethasone|immunosuppressants?|tacrolimus|azathioprine)|steroids (?:every day|daily|"
           r"long[- ]term)|long[- ]term steroids|"
           r"inject\w* (?:\w+ )?(?:heroin|drugs|meth|speed|crack|steroids)|(?:injects|injecting|shoots up|shooting up|"
           r"uses needles|using needles|ivdu|pwid|iv drugs?|intravenous drugs?|heroin|drug user|needle user)|"
           r"dialysis|no spleen|spleen (?:removed|out)|sickle cell)\b")
_UNWELL = (_FEVER + r"|\b(?:infection|infected|abscess|unwell|poorly|flu[- ]like|feel(?:s|ing)? (?:really |very |so )?"
           r"(?:ill|rough|awful|terrible|rotten))\b")
IMMUNE = Sign(
    "A weakened immune system or injected drugs, with a fever",
    "a fever with a weakened immune system or injected drugs",
    pairs=(Pair(_IMMUNE, _UNWELL, window=60, same_sentence=False),),
    past_counts=True,
    cue_words=(r"\b(?:immun\w*|steroids?|prednis\w*|chemo\w*|transplant\w*|hiv|inject\w*|needles?|drugs?|heroin|"
               r"methotrexate|biologics?|humira|dialysis|spleen|sickle|crohn\w*|arthritis|lupus)\b"),
)

# --- A major fall or accident ---------------------------------------------------------------------------
_NOT_A_FALL = (r"(?! asleep| behind| apart| in love| for| ill| pregnant| through| short| out with| out of love| from grace|"
               r"(?: \w+)? balance| guard|"
               r" off the wagon| a dis[ck]| dis[ck]s?\b|(?: \w+){0,2} rabbit holes?|"
               r" on (?:my|his|her|their) (?:foot|feet|toes?|hands?|fingers?))")
_HEIGHT = (r"(?:ladder|roof|scaffold\w*|stairs|staircase|steps|tree|horse|pony|bike|motorbike|motorcycle|wall|"
           r"balcony|trampoline|loft|attic|bunk(?: bed)?|platform|truck|lorry|height|cliff|window|climbing wall|"
           r"bleachers|stage|shed|van|quad|skateboard|scooter|chairlift|top bunk|top step|rock|ledge|fence)")
_LANDED = (r"(?:on|onto)\s+(?:my|his|her|their|the|our)\s+(?:\w+\s+)?(?:back|spine|tailbone|coccyx|bottom|bum|"
           r"backside|butt|arse|behind)")
_SPORT = (r"(?:match|game|rugby|football|soccer|hockey|tackle|tackled|scrum|pitch|field|training|gymnastics|"
          r"wrestling|judo|skiing|snowboarding|skating|riding|climbing|cycling|mountain biking|trampolin\w*|"
          r"jumping|parkour|cheer\w*)")
_VEHICLE = r"(?:car|road|traffic|motorbike|motorcycle|bike|bicycle|motorway|head[- ]on|quad|scooter|bus|train)"
TRAUMA = Sign(
    "A major fall or accident",
    "a recent bad fall or accident",
    phrases=(
        rf"\b(?:after|since|following|from|in|during|because of)\s+{_MY}"
        r"(?:(?:bad|big|major|serious|nasty|heavy|hard|recent|car|road|traffic|motorbike|motorcycle|bike|"
        r"bicycle|skiing|riding|horse|work|high|terrible|awful|huge|massive|proper)\s+){0,2}(?:fall|accident|crash|"
        r"collision|car wreck|wreck|tumble|smash|pile[- ]up)\b",
        rf"\b(?:i|he|she|we|they|you|my \w+|mum|dad|i've|i have|he's|she's|i just|i was|i got|(?:was|got) (?:being )?)\s*"
        rf"(?<!nearly )(?<!almost )(?:fell|have fallen|has fallen|had a (?:\w+ )?fall|took a (?:\w+ )?(?:fall|tumble)|"
        rf"slipped and fell|crashed(?! out\b| on the (?:sofa|couch|bed))|was in an? (?:\w+ )?(?:accident|crash|collision)|rear[- ]ended|knocked (?:off|down|over)|"
        rf"thrown (?:off|from)|went flying){_NOT_A_FALL}\b",
        rf"(?<!nearly )(?<!almost )\b(?:fell|fallen|falling|tumbled|tumbling|slipped|rolled|went flying|came down|"
        rf"come down|thrown)\s+(?:\w+\s+){{0,3}}?(?:(?:off|from|down|out of|over|through|backwards|head first|"
        rf"all the way down)\s+)+"
        rf"(?:\w+\s+){{0,3}}?(?:{_HEIGHT}|flight)",
        r"(?<!nearly )(?<!almost )\bfell (?:off|from|down|over|on|onto|out of|backwards|hard|badly|heavily|awkwardly)\b"
        r"(?! asleep| the wagon| (?:my|his|her|their) (?:foot|feet|toes?|hands?|fingers?))" + _NOT_A_FALL,
        r"(?<!nearly )(?<!almost )\b(?:came|come|coming|thrown|flew|fell|knocked|clipped|shunted|pushed|launched) off "
        r"(?:my|his|her|their|a|the|our) (?:\w+ )?"
        r"(?:horse|pony|bike|bicycle|"
        r"motorbike|motorcycle|scooter|ladder|quad|skateboard|board|trampoline|wall|roof)\b",
        rf"\b{_VEHICLE}\s+(?:accident|crash|collision|smash|wreck|pile[- ]up)\b(?! of a)",
        r"\b(?:hit|knocked (?:down|over|off)|run over|struck|clipped) by (?:a |an )?(?:\w+ )?(?:car|vehicle|truck|lorry|"
        r"van|bus|bike|cyclist|motorbike|train)\b",
        r"\bhad (?:a|an) (?:\w+ ){0,2}(?:fall|tumble|accident|crash|collision|smash|wreck)\b(?! from grace)",
        r"\b(?:was|were|been|got) in an? (?:\w+ ){0,3}(?:accident|crash|collision|pile[- ]up|smash|wreck)\b",
        r"\b(?:car|van|bike|vehicle) (?:flipped|rolled|overturned|spun|rolled over)\b",
        r"\b(?:a |the )?(?:car|van|truck|lorry|bus|cyclist|bike|motorbike|taxi|vehicle) (?:hit|knocked|ran (?:over|into)|"
        r"drove into|struck|clipped|went into|crashed into|smashed into) (?:me|him|her|them|us|my|his|our)\b",
        r"\b(?:went|drove|ran|crashed|smashed|ploughed|plowed|slammed) (?:straight |right )?into the (?:back|side|front) of\b|"
        r"\b(?:rtc|rta|mva|mvc)\b|\bwhiplash\b|\brear[- ]ended\b|\bt[- ]?boned\b|\b(?:was|got) written off\b|\b(?:car|bike|van|it)(?:'s| is| was) "
        r"(?:written off|totalled|totaled|a write[- ]?off)\b|\bhead[- ]on\b|\b(?:got|was|been) shunted\b",
        rf"\blanded (?:\w+ )?(?:hard |badly |heavily |flat |awkwardly |square |right |full )?{_LANDED}\b",
        r"\b(?:came|come|coming|went|go|goes|going) down (?:hard|heavily|badly|awkwardly)\b",
        # Where someone lies ("rested for a week flat on my back") unless a fall or a blow put them there.
        rf"\b(?:landed|landing|lands|came down|come down|coming down|went down|went|fell|fallen|falling|thrown|knocked|"
        rf"slammed|dumped|flung|flattened|tackled|floored|decked|sent sprawling)(?:\s+(?:me|him|her|them|us|down|straight|"
        rf"right|hard|heavily|backwards))*\s+flat on {_MY}back\b",
        r"\b(?:helped|carried|stretchered|taken) off (?:the )?(?:pitch|field|court|ice|mat|track|slope)\b|\bstretchered\b",
        r"\b(?:hard|heavy|big|nasty|bad|late|high|dangerous|huge|massive|almighty|monster|horrible|awful|brutal) "
        r"(?:tackle|hit|landing|collision|challenge)\b(?! (?:with|for|on (?:social|tiktok|youtube)))",
        # Driven into the ground by someone or something: a spear tackle, a throw ("not by work", the idiom).
        r"\b(?:driven|drove|slammed|smashed|dumped|planted|speared|drilled|thrown|threw|body[- ]?slammed|pile[- ]?driven)"
        r"\s+(?:\w+\s+){0,2}?(?:into|onto|on to|in to)\s+(?:the\s+)?(?:ground|floor|deck|turf|mat|tarmac|concrete|pavement)\b"
        r"(?! by (?:work|stress|life|overwork|(?:my|the|this) (?:job|work|boss|kids|workload|schedule)))",
        r"\b(?:wiped out|wipe ?out|bailed|came a cropper|stacked it|ate it|face ?planted)\b",
        r"\b(?:arse|ass|head) over (?:tit|teakettle|tea kettle|heels|elbow)\b(?! in love)",
    ),
    pairs=(
        Pair(r"\b(?:fell|fallen|fall|falling|tumbled|slipped|tripped|went over|knocked over|came off|thrown|slammed|smashed|"
             r"flattened|dumped|hurled|flung)\b" + _NOT_A_FALL, rf"\b{_LANDED}\b", window=10),
        Pair(r"\b(?:fell|fallen|fall|tumbled|slipped|tripped|landed|came down|knocked|tackled|crashed|flattened|speared|"
             r"floored|clattered|sandwiched|dumped|taken out|help(?:ed)? (?:him|her|me|them) off|carried (?:him|her|me|them) "
             r"off)\b" + _NOT_A_FALL, rf"\b{_SPORT}\b", window=10),
        Pair(r"\b(?:slipped|tripped|fell|tumbled|stumbled)\b" + _NOT_A_FALL,
             r"\b(?:stairs|steps|staircase|ladder|escalator)\b", window=6),
    ),
    general_counts=False,
    acute=True,
    # Told as small, or no fall at all: "a fender bender, barely a bump", "tripped up the stairs, caught myself".
    unless_words=(r"\b(?:fender[- ]benders?|barely (?:a|any) (?:bump|scratch|knock|dent|damage)|(?:just|only) a (?:small |little |"
                  r"tiny |minor )?(?:bump|knock|scrape|prang|dent|scratch)|low[- ]speed|walking pace|(?:at|about|only|under|less than) "
                  r"(?:[1-9]|1[0-5]) ?(?:mph|km/?h|kph)|(?:caught|steadied|saved|stopped) (?:myself|himself|herself|themselves)|"
                  r"(?:didn't|did not|never) (?:actually |quite )?(?:fall|hit the (?:ground|floor))|without (?:actually )?falling|"
                  r"no (?:actual )?fall\b|"
                  r"landed (?:\w+ ){0,2}?(?:on|in) (?:a |the |something )?(?:soft|cushion|pillow|bed|sofa|grass|"
                  r"trampoline|bouncy castle|crash mats?|foam pit|mattress)|soft landing)\b"),
    cue_words=(r"\b(?:(?:fell|fall(?:s|en|ing)?)" + _NOT_A_FALL + r"|slip(?:s|ped|ping)?|trip(?:s|ped|ping)?|tumbl\w*|crash\w*|accidents?|"
               r"collision|hit|knock\w*|tackl\w*|land(?:ed|ing)?|thrown|came off|car|bike|motorbike|horse|ladder|stairs|"
               r"steps|roof|scaffold\w*|pitch|match|game|rugby|football|skiing|wiped? out|bail(?:ed)?|flew|flying|ice|icy)\b"),
)

# --- A possible fracture of the spine (known or suspected; an older person's fall) -----------------------
_OSTEO = (r"(?:osteo ?poro\w*|osteopenia|brittle bones?|thin(?:ning)? bones?|bone (?:density|thinning|loss)|"
          # treated for it: "I've been on alendronic acid since"
          r"alendron\w*|bisphosphonates?|risedronate|ibandronate|zoledron\w*|denosumab|prolia|fosamax)")
_OLDER = (r"(?:elderly|pensioner|oap|old (?:lady|man|woman|gentleman)|older (?:lady|man|woman|parent|relative)|"
          r"(?:great[- ])?(?:grandma|grandmother|grandad|granddad|grandpa|grandfather|gran|granny|nan|nana|nanna|nanny)|"
          r"(?:aged |is |'s |i'm |am |at |\()(?:6[5-9]|[7-9]\d|1[01]\d)\b|"
          r"\b(?:6[5-9]|[7-9]\d|1[01]\d)\s?(?:-| )?(?:yo|y/o|yrs?|years?|year[- ]old|m|f|male|female)\b|in (?:his|her|their|my) "
          r"(?:seventies|eighties|nineties|70s|80s|90s))")
_FALL_OR_BREAK = (r"(?:fell|fallen|fall|falling|had a fall|slipped|slip|tripped|trip|tumbled|tumble|went over|"
                  # a back that goes on a small strain: "her back went when she bent down to stroke the cat"
                  r"(?:back|spine) (?:just )?(?:went|gave (?:way|out)|gave|went out|went pop|popped)|"
                  r"crack\w*|snap\w*|broke|broken|break|fractur\w*|sudden\w*|sneez\w+|cough\w+|crunch\w*|collaps\w*|"
                  r"lost (?:\w+ )?height|shrunk|shrinking|(?:felt|heard) (?:something|it|a) (?:give|go|snap|crack|pop|crunch)|"
                  r"something (?:gave|went|snapped|cracked|popped))")
# A fall told without the word: "missed the last step and sat down hard", "lost her footing", "ended up on the floor".
_FALL_WITHOUT_FELL = (r"(?:hard|heavy|nasty|bad) sit[- ]?down|went (?:down|over|flying) (?:in|on|at|outside|by|near) (?:the|a|her|his|their) "
                      r"(?!(?:\w+ )?(?:evening|morning|night|afternoon|day|week|end))|"
                      r"missed (?:a|the|her|his|my|one) (?:\w+ )?(?:step|stair)s?|sat down (?:hard|heavily)|lost (?:her|his|my|their) "
                      r"footing|(?:landed|came down|went down) (?:hard|heavily|badly)|(?:ended up|found (?:her|him)|was found|"
                      r"lying) on the (?:floor|ground)|hit the (?:floor|ground|deck)|went down like a")
# Steroids taken for a lasting illness are taken for a long time: "on steroids for her copd".
_CHRONIC = (r"(?:copd|asthma|emphysema|arthritis|rheumatoid\w*|ra|lupus|crohn'?s|colitis|ibd|polymyalgia|pmr|ms|sarcoid\w*|"
            r"psoriasis|eczema|lungs?|chest|breathing)")
# Taken by mouth: an injection, a cream or an inhaler is not what thins the bones.
_STEROIDS = (r"(?:steroids?|prednisolone|prednisone|pred|dexamethasone)"
             r"(?!\s+(?:injections?|jabs?|shots?|creams?|inhalers?|sprays?|drops|ointments?|epidurals?))")
_LONG_STEROIDS = (rf"\b(?:{_STEROIDS} (?:\w+ ){{0,3}}?(?:for (?:\w+ )?(?:years|ages|a long time|months|decades)|long[- ]term|"
                  rf"every day|daily|since (?:\w+ ){{0,2}}?(?:years|ages|(?:19|20)\d\d))|long[- ]term {_STEROIDS}|"
                  rf"{_STEROIDS} (?:\w+ ){{0,4}}?(?:for|because of) (?:my |his |her |their |the )?{_CHRONIC})\b")
FRACTURE = Sign(
    "A possible spinal fracture",
    "a possible broken bone in the spine",
    phrases=(
        r"\b(?:compression|crush|crushed|wedge|vertebral|spinal|spine|osteoporotic|insufficiency|stress|burst|"
        r"fragility) fractur\w*",
        r"\bfractur\w* (?:\w+ ){0,2}(?:in|of|to) (?:my|his|her|their|the|a) (?:\w+ )?(?:spine|back|vertebra\w*|"
        r"[lt]\d{1,2})\b",
        # The noun: "maybe a crack in one of my vertebrae", "a hairline break in my L3" (a crack in the spine may be a joint's).
        r"\b(?:crack|break|fracture)s? (?:in|of|to|on) (?:\w+ ){0,3}?(?:vertebra\w*|tailbone|coccyx|[lt]\d{1,2})\b",
        r"\b(?:fractured|broke|broken|cracked|crushed|collapsed|compressed|crumbl\w*) (?:\w+ ){0,2}(?:vertebra\w*|"
        r"spine|tailbone|coccyx|[lt]\d{1,2})\b",
        # Not "cracked my back": that is what a chiropractor (or a stretch) does.
        r"\b(?:fractured|broke|broken) (?:a |my |his |her |their )?back\b",
        r"\b(?:vertebra\w*|spine|tailbone|coccyx) (?:is |was |has |had |might be |could be |may be )?(?:been )?"
        r"(?:fractured|broken|cracked|crushed|collapsed)\b",
    ),
    pairs=(
        # Two facts anywhere in the question: the bones (however long known) and what happened to them.
        Pair(rf"\b{_OSTEO}\b", rf"\b{_FALL_OR_BREAK}\b", window=60, same_sentence=False, lasting_first=True),
        Pair(rf"(?<!\w){_OLDER}", r"\b(?:fell|fallen|had a (?:\w+ )?(?:fall|tumble|spill)|took a (?:\w+ )?(?:fall|tumble)|slipped|tripped|tumbled|"
             r"went over|(?:a|an|mechanical|minor|small|little|recent|another) (?:\w+ )?fall(?! (?:risk|prevention|alarm|detector))|"
             r"(?:felt|heard) (?:something|it|a) (?:\w+ )?(?:give|go|snap|crack|pop|crunch)|something (?:gave|snapped|cracked|popped)|"
             + _FALL_WITHOUT_FELL + r"|(?:broken|broke|cracked|fractured) (?:something|a bone|any bones|her back|his back)|(?:getting|got|"
             r"gone|grown|become) shorter|lost (?:\w+ )?(?:height|inches)|shrunk|shrinking)\b"
             + _NOT_A_FALL, window=25, same_sentence=False),
        # Long-term steroids thin the bones as osteoporosis does: the event is what has to be recent.
        Pair(rf"\b{_FALL_OR_BREAK}\b", _LONG_STEROIDS, window=60, same_sentence=False, check_second=False),
    ),
    general_counts=False,
    acute=True,
    # The bones thinning (osteoporosis, osteopenia), not the joints wearing (osteoarthritis) or an osteopath.
    cue_words=(r"\b(?:fractur\w*|broke|broken|break(?:s|ing)?|crack(?:s|ed|ing)?|snap(?:s|ped)?|osteop(?!ath)\w*|bones?|"
               r"vertebra\w*|elderly|old|fell|fall(?:s|en|ing)?|slip(?:s|ped)?|shorter|height|steroids?|x-?rays?|scans?|"
               r"crush\w*|collaps\w*)\b"),
)

# --- Unexplained weight loss, and cancer -----------------------------------------------------------------
_WEIGHT_LOSS = (r"\b(?:(?:lost|losing|lose|loses|dropped|dropping|drop|shed|shedding|gone down|went down)\s+(?:\w+\s+){0,4}?"
                r"(?:weight|kg|kgs|kilos?|pounds|lbs?|stones?|dress sizes?|sizes?|a size)|weight ?loss|"
                r"down (?:\w+ )?(?:\d+|a|two|three|four|five|half a) (?:kg|kgs|kilos?|pounds|lbs?|stones?|st|dress sizes?)|"
                r"(?:\d+|a|two|three|four|five|half a) (?:kg|kgs|kilos?|pounds|lbs?|stones?|st) (?:lighter|less)|"
                r"weight (?:\w+ )?(?:is |has been |keeps )?(?:falling|dropping|melting|coming|dropped|fallen) off|"
                r"(?:gone|went|dropped|come|came) (?:down )?from (?:a )?(?:size )?\d+ to (?:a )?(?:size )?\d+|"
                r"weight (?:is |keeps |has been |has kept )?(?:dropping|falling|going down|coming down)|"
                r"(?:clothes|jeans|trousers) (?:are |keep )?(?:\w+ )?(?:falling|hanging|dropping) off|wasting away|"
                r"(?:belt|belt's|trousers|jeans) (?:has |have |is |are )?(?:gone|been taken|taken|pulled|come) in (?:\w+ ){0,2}?"
                r"(?:notch\w*|holes?)|(?:new|extra|more) (?:holes?|notch\w*) (?:in|on) (?:my|his|her|their|the) belt|"
                r"belt(?:'s| is)? (?:now )?on (?:the|its|his|her|my) (?:last|tightest|smallest|final) (?:notch|hole)|"
                r"(?:clothes|jeans|trousers|jumpers?|tops|shirts?|dress(?:es)?) (?:are |is )?(?:\w+ )?swamping (?:me|him|her)|"
                r"(?:none of (?:my|his|her) )?(?:clothes|jeans|trousers|everything)\b(?:\s+\S+){0,6}?\s+(?:all )?(?:too big|baggy|"
                r"hanging off)|"
                r"(?:clothes|jeans|trousers|belt) (?:are |is |have |has )?(?:gone |got |getting |now |all )?(?:baggy|loose|"
                r"too big)|"
                r"skin and bones?|(?:looks?|looking|got|gotten|getting|gone|so|really|very) (?:so |really |very )?"
                r"(?:thin|skinny|gaunt|frail|bony|sunken|hollow))\b")
_UNEXPLAINED = (r"\b(?:without (?:me |him |her |them |us )?(?:even )?(?:trying|dieting|meaning to|changing (?:anything|my diet|his diet|her diet)|"
                r"doing anything|any reason|reason)|for no (?:apparent |obvious |good |real )?reason|no reason|"
                r"unexplained|unintentional\w*|unintended|inexplicabl\w+|unexplainabl\w+|mysterious\w*|"
                r"(?:don't|do not|doesn't|cannot|no one can|nobody can|can't) (?:\w+ )?(?:know|explain|understand|work out|"
                r"figure out) (?:why|how)|(?:nobody|no one|no-one) (?:\w+ )?knows (?:why|how)|no idea (?:why|how)|not sure (?:why|how)|"
                r"(?:not|haven't|hasn't|wasn't|isn't) (?:been )?(?:even )?(?:dieting|trying|on (?:a|any) diet|changed)|not on purpose|by itself|(?:eating|eats?) (?:the same|normally|as usual|as normal|loads)|"
                r"(?:eating|eats?|ate) (?:fine|well|ok|okay|plenty|normally|a lot|loads|like a horse|more than ever)|"
                r"(?:i'm|i am|he's|she's|he is|she is|they're) (?:still )?eating(?= *(?:[,.;!?]|$|and\b|but\b))|not eating|off (?:my|his|her) food|no appetite|lost (?:my|his|her) appetite|(?:really |very |so )?"
                r"(?:fast|quickly|rapidly))\b")
_STRONG_LOSS = (r"\b(?:(?:clothes|jeans|trousers) (?:are |keep )?(?:\w+ )?(?:falling|hanging) off|wasting away|"
                r"skin and bones?|(?:lost|losing|dropped|dropping) (?:so much|a lot of|loads of|tons of|a ton of|a scary "
                r"amount of) weight|weight (?:\w+ )?(?:is |has been |keeps )?(?:falling|dropping|melting) off)\b")
WEIGHT = Sign(
    "Unexplained weight loss",
    "weight loss you can't explain",
    phrases=(
        r"\b(?:unexplained|unintentional|unintended|unexpected|sudden|rapid|unexplainable|inexplicable|"
        r"mysterious|strange|weird|dramatic|significant|unexplained)\s+(?:weight ?loss|loss of weight|losing weight|"
        r"drop in weight)\b",
        _STRONG_LOSS,
    ),
    pairs=(
        Pair(_WEIGHT_LOSS, _UNEXPLAINED, window=25, same_sentence=False, check_second=False),
    ),
    # Loss that was meant, or has its reason: "my weight loss plan is working, down 10kg on purpose", "after my divorce".
    unless_words=(r"\b(?:weight(?:'s| is| has| was)? (?:\w+ )?(?:stayed|stays|remained|remains|held|holding|not changed|hasn't changed|"
                  r"has not changed|unchanged|steady|stable|the same)|weight (?:has |'s |is )?been (?:the same|steady|stable|unchanged)|"
                  r"(?:after|since|because of|due to|with) (?:my |his |her |the |a )?(?:divorce|break ?up|bereavement|"
                  r"grief|op|operation|surgery|baby|pregnancy|stomach bug|sickness bug|d and v)|(?<!not )on purpose|(?<!not )deliberately|(?<!un)intentionally|(?:weight[- ]?loss|diet|slimming|"
                  r"fitness) (?:plan|programme|program|journey|goal|jabs?|injections?|surgery|club|group|app)|"
                  r"(?<!not )(?<!n't )trying to (?:lose|slim)|slimming world|weight ?watchers|(?:counting|cutting) (?:calories|carbs)|"
                  r"ozempic|wegovy|mounjaro|semaglutide|gastric (?:band|bypass|sleeve))\b"),
    cue_words=(r"\b(?:weight|kg|kgs|kilos?|stones?|pounds|lbs?|thin|thinner|skinny|gaunt|sizes?|clothes|jeans|trousers|belt|"
               r"appetite|eat(?:s|ing|en)?|ate|food|diet(?:s|ing)?|wasting)\b"),
)

_CANCER = (r"(?:(?<!i'm a )cancer|tumou?rs?|lymphoma|leuk(?:a)?emia|myeloma|melanoma|carcinoma|sarcoma|metasta\w+|mets|"
           r"secondaries|secondary (?:cancer|tumou?rs?)|(?:breast|prostate|bowel|lung|colon|colorectal|ovarian|renal|kidney|"
           r"thyroid|cervical|pancreatic|liver|stomach|bladder|testicular|oesophageal|rectal) ca|"
           r"malignan\w+|chemo\w*|mastectomy|lumpectomy|radiotherapy|(?:shadow|mass) on (?:my|his|her|the) (?:lungs?|liver|"
           r"kidneys?|pancreas|bones?|spine)|radiation (?:therapy|treatment)|oncologist|in remission|the big c)")
CANCER = Sign(
    "Cancer, now or in the past",
    "cancer, now or in the past",
    phrases=(
        rf"(?<!star sign is )(?<!star sign )(?<!sign is )(?<!zodiac )\b{_CANCER}\b"
        r"(?! (?:research|charity|nurse|ward|unit|centre|center|awareness|run|walk|society|fundraiser|fundraising|"
        r"screening|scare|risk|survivors' group|support group for others))",
    ),
    general_counts=False,
    past_counts=True,
    # Someone remembered, not the back asked about: "my mum had breast cancer, I'm running in her memory".
    unless_words=(r"\b(?:in (?:her|his|their) memory|in memory of|(?:who|she|he) (?:died|passed away)|race for life|relay for life|"
                  r"before (?:i|we) (?:was|were) born)\b"),
    not_after=(r"\b(?:family history of|runs in (?:the|my|our) family|died of|died from|passed away|lost (?:\w+ ){0,3}to|killed by|cause|causes|causing|caused by|give|gives|giving|risk|risks|linked to|link to|prevent\w*|"
               r"worried|worry|scared|afraid|fear\w*|paranoid|(?:could|can|might|may) (?:\w+ ){0,4}?be|(?:is|are) (?:it|this|"
               r"that|these|they)|"
               r"sign of|signs of|symptom of|symptoms of|rule out|ruled out|test\w* for|screen\w* for|check\w* for|"
               r"clear of|free of)\b"),
    cue_words=(r"\b(?:cancer\w*|tumou?rs?|chemo\w*|radiotherapy|radiation|oncolog\w*|lymph\w*|leuk\w*|myeloma|melanoma|"
               r"carcinoma|sarcoma|remission|secondar(?:y|ies)|mets|metasta\w*|malignan\w*|biopsy|lumps?|mastectomy|"
               r"prostate|hospice|palliative)\b"),
)

# --- Chest pain or trouble breathing ----------------------------------------------------------------------
_CHEST = (r"\b(?:chest|breastbone|sternum|front of (?:my|his|her) ribs|ribcage at the front)\b"
          r"(?!\s+(?:out|up|day|press|presses|exercises?|workouts?|fly|flies|stretch\w*|opener|infection|x-?ray|hair|freezer|"
          r"of drawers|strap|binder|voice|compressions?|pocket|rate monitor|goes out|muscles? (?:day|workout)|"
          r"surgeon|specialist|condition|murmur|rate)\b)")
_CHEST_PAIN = (r"\b(?:pains?|painful|ache|aches|aching|tight\w*|pressure|hurts?|hurting|heav(?:y|iness)|squeez\w*|"
               r"crush\w*|burning|sore|stabbing|sharp|twinge\w*|sitting on (?:it|me|my chest)|elephant|band|"
               r"clamp\w*|vice|spasm\w*|cramp\w*)\b")
_BREATH = (r"\b(?:short of breath|shortness of breath|short breath\w*|breathless\w*|out of breath|"
           r"gasp\w*|fighting for (?:air|breath)|struggl\w* (?:for|to get) (?:air|breath|a breath)|"
           r"(?:cannot|can't|couldn't|can barely|can hardly) (?:get|catch|take) (?:my|his|her|a|their) "
           r"(?:\w+ )?breath|"
           r"(?:cannot|couldn't|could not|unable to|not able to|struggl\w* to|hard to|difficult to|trouble|difficulty|"
           r"hurts? to|painful to|pain when (?:i|he|she|they)|hurts? when (?:i|he|she|they)|can barely|can hardly|"
           r"cannot really) (?:\w+ ){0,1}(?:breathe?|breathing|take a (?:deep )?breath)|"
           r"wheez\w+|puffing and panting|panting|puffed out|(?:get|gets|getting|got|am|i'm|is|so) puffed|"
           r"breathing (?:is |was |got |has got |has been )?(?:\w+ )?(?:difficult|hard|laboured|labored|shallow|fast|"
           r"rapid|painful|a struggle)|laboured breathing|labored breathing|air hunger|winded)\b")
CHEST = Sign(
    "Chest pain or trouble breathing",
    "chest pain or trouble breathing",
    phrases=(
        _BREATH,
        r"\b(?:having|had|have|be|is (?:it|this)|think (?:i'm|he's|she's|i am) having|like|feels like|scared (?:it's|it "
        r"is)|worried (?:it's|it is)|could (?:it|this) be|might be|maybe) an? (?:heart attack|cardiac arrest)\b|"
        r"\bangina\b",
        rf"\b(?:spread\w*|radiat\w*|shoot\w*|mov\w*|go|goes|going|went|travel\w*|wrap\w*|extend\w*|comes? round|"
        rf"through)\s+(?:\w+\s+){{0,4}}?(?:in|into|to|through|around|round|towards?|across)\s+{_MY}(?:chest|breastbone|"
        r"sternum|left arm|jaw)\b",
        r"\b(?:pain|ache|aching|numb\w*|tingl\w*)\b(?:\s+\w+){0,5}\s+(?:down|in|into|to) (?:my|his|her|the) "
        r"(?:left arm|jaw)\b",
        r"\bleft arm (?:is |feels |has gone |went |keeps )?(?:\w+ )?(?:tingl\w*|numb\w*|heavy|dead|pain\w*|aching|hurts?)\b",
    ),
    pairs=(Pair(_CHEST, _CHEST_PAIN, window=12),),
    emergency=True,
    unless_words=(r"\b(?:(?:from|after|with) (?:\w+ )?(?:laughing|laughter|crying|giggling|singing)|"
                  # a lasting cause the person already knows: "chest tightness from my asthma"
                  r"(?:from|because of|due to|with) (?:my |his |her |their |the )?(?:asthma|copd|hay ?fever|anxiety|"
                  r"panic attacks?)|(?:i'm|i am|he's|she's|being|so|really) (?:so |really |very )?(?:unfit|out of shape|overweight|obese)|"
                  r"(?:from|because of|due to|with) (?:a|the|my|this) (?:\w+ )?(?:cold|cough|chest "
                  r"infection|flu|virus|bug)|"
                  r"(?:from|after|since) (?:the gym|the weights|working out|(?:a|my|the) (?:workout|session|class)|"
                  r"training|exercis\w+|bench\w*|push[- ]?ups|press[- ]?ups|pull[- ]?ups|lifting|weights|chest day|"
                  r"(?:doing|starting) (?:\w+ )?(?:push|press|pull)[- ]?ups))\b"),
    cue_words=(r"\b(?:chest|breath\w*|heart|arms?|jaw|lungs?|gasp\w*|wheez\w*|puff(?:ed|ing)?|panting|air|ribs?|sternum|"
               r"breastbone|angina|clammy|suffocat\w*|choking)\b"),
)

# --- Severe pain at night that rest does not ease --------------------------------------------------------
_NIGHT = (r"\b(?:at night|night[- ]?(?:time )?(?:pain|aches?|aching|agony|spasms?)|every night|each night|nightly|in the night|middle of the night|overnight|all night|"
          r"night time|nighttime|at nights|nights|in bed at night|(?:wakes?|waking|woke) (?:me|him|her|them|us)(?: up)?|"
          r"woken (?:up )?by|wake up (?:in the night|at night|in pain|because of|due to)|[1-5] ?am|"
          r"(?:cannot|unable to) sleep|no sleep|keeps? (?:me|him|her|them) (?:up|awake))\b")
_NOT_EASED = (r"\b(?:(?:nothing|no position|no amount of rest|rest|resting|lying (?:down|still|flat)|laying (?:down|still|flat)"
              r"|painkillers|pain killers|tablets|medication|meds|ibuprofen|paracetamol|co-?codamol|moving|changing "
              r"position|keeping still|staying still)\b(?:\s+\w+){0,3}?\s+(?:helps?|eases?|does nothing|do nothing|"
              r"did nothing|makes? (?:no|any) difference|changes? (?:it|anything)|relieves?|(?:doesn't|don't|didn't|does "
              r"not|do not) (?:\w+ )?(?:help|ease|touch|work|stop|change)|makes? (?:it )?worse|touches? it)|"
              r"(?:(?:pain|ache|aching|agony|it|hurts?|hurting|throb\w*|spasms?)\b(?:\s+\w+){0,3}?\s+)(?:constant\w*|all the time|"
              r"24/7|non[- ]?stop)|constant\w* (?:\w+ )?(?:pain|ache|aching|agony|throb\w*|hurts?|hurting)|no (?:\w+ )?relief|"
              r"nothing (?:\w+ )?(?:relieves|gives (?:\w+ )?relief)|(?:doesn't|does not|won't|never) (?:get|give|bring) (?:\w+ )?relief|doesn't matter (?:if|whether|what|how)|"
              r"(?:getting|gets|got|grows?|growing) worse (?:each|every|by the) (?:night|week|day)|worse (?:each|every) "
              r"(?:night|week)|worse at night than|night sweats|pacing|whatever (?:i|he|she|they) do|"
              r"nothing (?:i|he|she|they) do|(?:not|n't) like (?:a|my usual|the usual|normal|a normal|any) (?:\w+ )?(?:spasm|"
              r"muscle|back pain|pain)|no matter (?:how|what|which way|where) (?:i|he|she|they) (?:lie|lay|sit|do|try)|"
              r"nothing (?:\w+ ){0,2}(?:makes a difference|seems to help|works)|(?:doesn't|does not|never|won't) let up|"
              r"(?:doesn't|does not|won't|will not|didn't) (?:\w+ ){0,2}(?:go|ease|stop|settle|improve|get better|change|"
              r"let up|budge)\w* (?:\w+ ){0,2}(?:when|if|with|even with|after|even if|even when) (?:i |he |she |they )?"
              r"(?:rest\w*|lie still|lying still|lay still|lie down|lying down|lay down|keep still|sit still|lie flat)|"
              r"(?:lying|laying) (?:down|flat|still) (?:makes|made) (?:it )?worse|cannot (?:lie|lay) (?:down|still|flat)|"
              r"(?:lying|laying) (?:down |flat |still |in bed )?(?:is |was )?(?:impossible|unbearable|agony|too painful)|"
              r"(?:have|had|has|need|needs) to get up (?:and (?:walk|pace|move)|to (?:walk|ease|move)))\b")
# Worse in bed at night than by day, when lying down should rest it: "hurts more lying in bed at night than any other
# time". Alone it is a question about spasms ("is it normal for spasms to be worse at night?"); with the pain waking
# someone it is the sign.
_WORSE_AT_NIGHT = (r"\b(?:worse|more|most|more painful)\b(?:\s+(?!than\b)\w+){0,5}?\s+(?:at night|in bed|in the night|overnight)"
                   r"(?:\s+than\s+(?:\w+\s+){0,2}?(?:day|daytime|day ?time|other time|rest of the day)\b|(?:\s+\S+){0,8}?\s+"
                   r"(?:during the day|in the day|by day|day ?time|daytime)(?:'s| is| it's| its)? (?:ok|okay|fine|better|easier|"
                   r"bearable|manageable)\b)")
_WAKES = (r"\b(?:(?:wakes?|waking|woke) (?:me|him|her|them|us)(?: up)?|woken (?:up )?by|keeps? (?:me|him|her|them) (?:up|awake)|"
          r"(?:cannot|unable to) sleep|no sleep)\b")
NIGHT = Sign(
    "Severe pain at night",
    "severe pain at night that rest does not ease",
    pairs=(Pair(_NIGHT, _NOT_EASED, window=30, same_sentence=False, check_second=False),
           Pair(_WAKES, _WORSE_AT_NIGHT, window=30, same_sentence=False, check_second=False)),
    # The night, not the position: pain worse lying down is the article's own ordinary symptom ("why is lying down
    # the worst position?"), so a sentence that speaks only of lying or resting is not asked.
    cue_words=(r"\b(?:nights?|nightly|overnight|sleep\w*|wake|wakes|waking|woke|woken|bed|\d am|"
               r"awake|pacing)\b"),
)


#: In the order the notice names them: the emergencies first.
SIGNS: tuple[Sign, ...] = (CHEST, SADDLE, BLADDER, LEGS, IMMUNE, FEVER, TRAUMA, FRACTURE, CANCER, WEIGHT, NIGHT)

#: The words a misspelling is corrected to: the content words the phrasings above are made of.
SIGN_WORDS = frozenset("""
bladder bowel bowels waterworks control incontinence incontinent urine urinate urinating toilet peeing weeing pooing pooping
wetting soiled leaking dribbling accident accidents retention nappies diapers empty
numb numbness numbing numbed paraesthesia paresthesia tingling tingly sensation feeling groin genitals genital buttocks buttock bottom
crotch perineum saddle vagina penis testicles scrotum anus thighs thigh backside privates
weakness weaker weakened paralysed paralyzed paralysis buckling buckled collapsing collapsed jelly floppy useless
legs feet ankles knees toes dragging
fever fevers feverish temperature shivering shivery chills rigors sweats sweating infection abscess burning
immune immunosuppressants immunosuppressed immunocompromised transplant steroids prednisolone chemotherapy chemo
injects injecting heroin needles methotrexate dialysis
fell fallen falling tumbled tumble slipped tripped ladder stairs staircase scaffolding trampoline whiplash
motorbike motorcycle bicycle collision crashed landed tailbone coccyx tackle tackled stretchered
fracture fractured fractures vertebra vertebrae osteoporosis osteopenia compression crushed brittle spine spinal
cracked broken footing
weight unexplained unintentional kilos pounds dieting appetite skinny wasting notches
cancer tumour tumor lymphoma leukaemia leukemia myeloma melanoma carcinoma sarcoma metastases metastatic
radiotherapy remission oncologist malignant
chest breathe breathing breath breathless breathlessness gasping wheezing heart attack angina tightness pressure
crushing squeezing sternum breastbone
night nights overnight constant constantly painkillers unbearable excruciating relief
""".split())
