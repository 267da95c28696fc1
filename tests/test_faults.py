"""Index faults at start-up: the bot rebuilds what it can, refuses clearly what it cannot, and a
build killed half-way never costs it the index it had.

tests/test_index.py checks that load_index *detects* each fault; these tests check what a person
running the app or the CLI gets: a log line and a working bot, or one readable sentence that
names the fix (`python -m bot build`). The read-only checkout and the killed build run as real
subprocesses; the page-level checks are in the second half of this file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SEED_DOC, free_port, make_repo, queue_call, serve, stop, visitor, wait_for_page
from gradio_client.exceptions import AppError

from bot.build import build
from bot.chatbot import Chatbot
from bot.cli import main
from bot.config import REPO_ROOT, Settings
from bot.embedding import Embedder, resolve_model
from bot.errors import BotError, DamagedIndexError, IndexNotBuiltError, StaleIndexError
from bot.index import MANIFEST, read_manifest

CANARY = "Does ice help with back spasms?"
CANARY_QUOTE = "Ice therapy"
REBUILD = "python -m bot build"


def data_file(settings: Settings, name: str) -> Path:
    return settings.index_dir / read_manifest(settings.index_dir)["files"][name]["name"]


def answers_the_canary(bot: Chatbot) -> bool:
    answer = bot.ask(CANARY)
    return not answer.abstained and CANARY_QUOTE in answer.quoted[0].quote


# --- Ways an index goes bad --------------------------------------------------------------------


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def _flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    path.write_bytes(bytes(data))


def _rewrite_manifest(settings: Settings, change: Callable[[dict], None]) -> None:
    path = settings.index_dir / MANIFEST
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def _point_outside(settings: Settings) -> None:
    # The chunk file, intact, moved out of the index folder and named by a relative path: a loader
    # that followed the path would load it without complaint; it must look only inside index/.
    chunks = data_file(settings, "chunks")
    elsewhere = settings.index_dir.parent / "elsewhere"
    elsewhere.mkdir()
    chunks.rename(elsewhere / chunks.name)
    _rewrite_manifest(settings, lambda m: m["files"]["chunks"].update(name=f"../elsewhere/{chunks.name}"))


DAMAGE: dict[str, Callable[[Settings], None]] = {
    "faiss-truncated": lambda s: _truncate(data_file(s, "vectors")),
    "faiss-corrupt": lambda s: _flip_bytes(data_file(s, "vectors")),
    "faiss-missing": lambda s: data_file(s, "vectors").unlink(),
    "chunks-truncated": lambda s: _truncate(data_file(s, "chunks")),
    "chunks-corrupt": lambda s: _flip_bytes(data_file(s, "chunks")),
    "sentences-truncated": lambda s: _truncate(data_file(s, "sentences")),
    "manifest-truncated": lambda s: _truncate(s.index_dir / MANIFEST),
    "manifest-empty": lambda s: (s.index_dir / MANIFEST).write_text(""),
    "manifest-binary-garbage": lambda s: (s.index_dir / MANIFEST).write_bytes(os.urandom(512)),
    "manifest-without-file-list": lambda s: _rewrite_manifest(s, lambda m: m.update(files={})),
    "manifest-points-outside": _point_outside,
}


def _edit_document(settings: Settings, embedder: Embedder | None = None) -> Settings:
    document = settings.corpus_dir / SEED_DOC.name
    added = "\nSleeping on a firm mattress eases morning stiffness.\n"
    document.write_text(document.read_text(encoding="utf-8") + added, encoding="utf-8")
    return settings


STALE: dict[str, Callable[[Settings, Embedder], Settings]] = {
    "corpus-edited": _edit_document,
    "chunk-settings-changed": lambda s, _: replace(s, max_chunk_chars=200),
}


# --- The app at start: rebuild when it can -------------------------------------------------------


def test_a_missing_index_is_built_at_start_with_a_log_line(tmp_path: Path, embedder, caplog) -> None:
    settings = make_repo(tmp_path, SEED_DOC)
    caplog.set_level(logging.WARNING, logger="bot")
    bot = Chatbot.load(settings, embedder=embedder, rebuild=True)
    assert any("No index in" in r.getMessage() and "Rebuilding" in r.getMessage() for r in caplog.records)
    assert (settings.index_dir / MANIFEST).is_file()
    assert answers_the_canary(bot)


# Every kind of damage reaches the same rebuild; three kinds (one per file) keep the suite quick,
# and the command-line test below goes through all of them.
@pytest.mark.parametrize("damage", ["faiss-truncated", "chunks-corrupt", "manifest-binary-garbage"])
def test_a_damaged_index_is_rebuilt_at_start_with_a_log_line(damage: str, built_repo: Settings, embedder,
                                                            caplog) -> None:
    DAMAGE[damage](built_repo)
    caplog.set_level(logging.WARNING, logger="bot")
    bot = Chatbot.load(built_repo, embedder=embedder, rebuild=True)
    assert any("Rebuilding" in r.getMessage() for r in caplog.records), caplog.text
    assert answers_the_canary(bot)


@pytest.mark.parametrize("stale", list(STALE))
def test_a_stale_index_is_rebuilt_at_start_for_the_new_corpus_or_settings(stale: str, built_repo: Settings,
                                                                          embedder, caplog) -> None:
    settings = STALE[stale](built_repo, embedder)
    with pytest.raises(StaleIndexError, match=REBUILD):
        Chatbot.load(settings, embedder=embedder, rebuild=False)
    caplog.set_level(logging.WARNING, logger="bot")
    bot = Chatbot.load(settings, embedder=embedder, rebuild=True)
    assert any("different corpus or settings" in r.getMessage() for r in caplog.records), caplog.text
    assert read_manifest(settings.index_dir)["settings"] == settings.index_settings()
    assert answers_the_canary(bot)
    if stale == "corpus-edited":
        assert "firm mattress" in bot.ask("Does a firm mattress help morning stiffness?").passages[0].text


def test_a_changed_model_makes_the_index_stale_and_the_new_model_rebuilds_it(built_repo: Settings, tmp_path: Path,
                                                                            caplog) -> None:
    # Another model folder on this machine (the bundled one under a new name): the index built
    # with all-MiniLM-L6-v2 must not be searched with vectors from "another" model.
    other_model = tmp_path / "other-model"
    other_model.symlink_to(resolve_model(built_repo.model), target_is_directory=True)
    settings = replace(built_repo, model=str(other_model))
    with pytest.raises(StaleIndexError, match="model"):
        Chatbot.load(settings, rebuild=False)
    caplog.set_level(logging.WARNING, logger="bot")
    bot = Chatbot.load(settings, rebuild=True)
    assert "Rebuilding" in caplog.text
    assert read_manifest(settings.index_dir)["model"] == str(other_model)
    assert answers_the_canary(bot)


def test_a_model_that_is_not_on_this_machine_is_a_readable_error(built_repo: Settings) -> None:
    settings = replace(built_repo, model=str(built_repo.index_dir.parent / "no-such-model"))
    with pytest.raises(BotError, match="local sentence-transformers folder"):
        Chatbot.load(settings, rebuild=True)
    assert read_manifest(built_repo.index_dir)["model"] == built_repo.model, "the old index is left as it was"


# --- The command line refuses, with one line that names the fix -----------------------------------


# Every stale case is the same refusal; one is enough here (all three are rebuilt at start-up above).
@pytest.mark.parametrize("fault", ["missing", *DAMAGE, "corpus-edited"])
def test_the_cli_refuses_a_bad_index_in_one_line_naming_the_fix(fault: str, built_repo: Settings, embedder,
                                                                capsys) -> None:
    settings = built_repo
    if fault == "missing":
        shutil.rmtree(settings.index_dir)
    elif fault in DAMAGE:
        DAMAGE[fault](settings)
    else:
        settings = STALE[fault](settings, embedder)
    capsys.readouterr()
    code = main(["ask", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir), CANARY])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert REBUILD in err and "Traceback" not in err


# --- A build killed half-way ---------------------------------------------------------------------


@pytest.mark.slow
def test_a_build_killed_while_writing_leaves_the_app_its_previous_index(built_repo: Settings, tmp_path: Path,
                                                                       embedder) -> None:
    running = Chatbot.load(built_repo, embedder=embedder, rebuild=False)
    before = read_manifest(built_repo.index_dir)
    quote_before = running.ask(CANARY).quoted[0].quote
    # The operator rebuilds from a larger next version of the corpus (so the write phase is long
    # enough to land in), into the index folder the app uses.
    next_corpus = tmp_path / "next-corpus"
    next_corpus.mkdir()
    for copy in range(3):
        (next_corpus / f"part-{copy}.txt").write_text(SEED_DOC.read_text(encoding="utf-8"), encoding="utf-8")
    files_before = set(os.listdir(built_repo.index_dir))
    new_files: set[str] = set()
    deadline = time.monotonic() + 120
    with _FileCreations(built_repo.index_dir) as created:  # watching before the build starts
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "build", "-q", "--corpus", str(next_corpus),
             "--index", str(built_repo.index_dir)],
            env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            # The write phase lasts milliseconds: kill the moment the first new file appears.
            while not new_files and process.poll() is None and time.monotonic() < deadline:
                if created.wait(0.1):
                    process.send_signal(signal.SIGKILL)
                new_files = set(os.listdir(built_repo.index_dir)) - files_before
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, (
        f"the build ended (exit {process.returncode}) before it could be killed: {process.stderr.read()[-2000:]!r}")
    assert new_files, "the build was killed before it wrote anything"

    assert read_manifest(built_repo.index_dir) == before
    restarted = Chatbot.load(built_repo, embedder=embedder, rebuild=False)  # as the app does after a restart
    assert len(restarted.index.chunks) == before["chunks"]
    assert restarted.ask(CANARY).quoted[0].quote == quote_before
    assert running.ask(CANARY).quoted[0].quote == quote_before  # the running app never noticed

    # The next good build sweeps away what the killed one left behind.
    manifest = build(built_repo, embedder)
    expected = [MANIFEST] + [f["name"] for f in manifest["files"].values()]
    assert sorted(os.listdir(built_repo.index_dir)) == sorted(expected)


class _FileCreations:
    """`wait(timeout)`: True as soon as a file is created in (or moved into) `folder`, told by the kernel
    (Linux's inotify), so the test sleeps while the build runs instead of polling the folder (a whole
    core, taken from the build and the other test worker). Where there is no inotify, `wait` polls
    the folder without a pause, as this test did before."""

    _CREATE, _MOVED_TO, _CLOEXEC = 0x100, 0x80, 0o2000000

    def __init__(self, folder: Path) -> None:
        self.folder, self.fd = folder, -1
        self.before = set(os.listdir(folder))
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            self.fd = libc.inotify_init1(self._CLOEXEC)
            if self.fd >= 0 and libc.inotify_add_watch(self.fd, os.fsencode(folder), self._CREATE | self._MOVED_TO) < 0:
                os.close(self.fd)
                self.fd = -1
        except (OSError, AttributeError):  # no libc, or a libc without inotify
            self.fd = -1

    def wait(self, timeout: float) -> bool:
        if self.fd < 0:
            return bool(set(os.listdir(self.folder)) - self.before)
        return bool(select.select([self.fd], [], [], timeout)[0])

    def __enter__(self) -> _FileCreations:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)


# --- A read-only checkout (as on some hosts) -------------------------------------------------------


def _read_only_command(command: list[str]) -> list[str]:
    """`command` run so that folders without a write bit really cannot be written.

    root ignores permission bits, so as root the command runs without the capabilities that let it
    (setpriv drops them from the bounding set, which an exec'ed root process then lacks).
    """
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a folder cannot be made read-only for this process")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable", *command]


@pytest.fixture
def read_only_checkout(built_repo: Settings) -> Iterator[Path]:
    """A checkout with its corpus/ and a good index/; the test makes every folder read-only."""
    root = built_repo.corpus_dir.parent
    yield root
    for path in [root, *root.rglob("*")]:  # give the write bits back so tmp_path can be cleaned
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _make_read_only(root: Path) -> None:
    for path in [*root.rglob("*"), root]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


_LOAD_AND_ASK = """
import json, sys
from pathlib import Path
from bot.chatbot import Chatbot
from bot.config import Settings
from bot.errors import BotError
try:
    bot = Chatbot.load(Settings.for_repo(Path(sys.argv[1])))  # the app's default: rebuild when it can
except BotError as err:
    print(json.dumps({"error": str(err), "type": type(err).__name__}))
    raise SystemExit(1)
answer = bot.ask(sys.argv[2])
print(json.dumps({"quote": answer.quoted[0].quote if answer.quoted else None}))
"""


def _load_and_ask_read_only(root: Path) -> tuple[subprocess.CompletedProcess, dict]:
    _make_read_only(root)
    result = subprocess.run(
        _read_only_command([sys.executable, "-c", _LOAD_AND_ASK, str(root), CANARY]),
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)), capture_output=True, text=True, timeout=180,
    )
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result, json.loads(result.stdout.strip().splitlines()[-1])


def test_a_read_only_checkout_serves_the_index_it_ships_with(read_only_checkout: Path) -> None:
    listing = sorted(os.listdir(read_only_checkout / "index"))
    result, reply = _load_and_ask_read_only(read_only_checkout)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert CANARY_QUOTE in reply["quote"]
    assert sorted(os.listdir(read_only_checkout / "index")) == listing


@pytest.mark.parametrize("fault", ["missing", "stale", "damaged"])
def test_a_read_only_checkout_with_a_bad_index_refuses_clearly(fault: str, read_only_checkout: Path) -> None:
    root = read_only_checkout
    if fault == "missing":
        shutil.rmtree(root / "index")
    elif fault == "stale":
        _edit_document(Settings.for_repo(root))
    else:
        _truncate(data_file(Settings.for_repo(root), "vectors"))
    listing = sorted(os.listdir(root / "index")) if (root / "index").exists() else None
    result, reply = _load_and_ask_read_only(root)
    assert result.returncode == 1
    expected = {"missing": IndexNotBuiltError, "stale": StaleIndexError, "damaged": DamagedIndexError}[fault]
    assert reply["type"] == expected.__name__
    assert REBUILD in reply["error"]
    assert (sorted(os.listdir(root / "index")) if (root / "index").exists() else None) == listing, \
        "nothing was written into the read-only checkout"


# --- On the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["damaged", "stale"])
def test_a_bad_index_that_cannot_be_rebuilt_is_explained_on_the_page_without_a_traceback(
        fault: str, built_repo: Settings) -> None:
    # rebuild=False is what a read-only index folder leads to (checked for real, above).
    if fault == "damaged":
        DAMAGE["faiss-corrupt"](built_repo)
    else:
        _edit_document(built_repo)
    with serve(replace(built_repo, feedback_log=None), rebuild=False) as server:
        with visitor(server.url) as client:
            for api_name, data in (("/chat", ("Does ice help?",)), ("/search", ("Does ice help?", 3))):
                with pytest.raises(AppError) as shown:
                    client.predict(*data, api_name=api_name)
                message = str(shown.value)
                assert REBUILD in message and "Traceback" not in message and 'File "' not in message


@pytest.mark.slow
def test_the_app_serves_a_read_only_checkout(read_only_checkout: Path) -> None:
    """`python app.py` from a checkout where nothing can be written: it answers from the index it ships."""
    root = read_only_checkout
    shutil.copy(REPO_ROOT / "app.py", root / "app.py")
    _make_read_only(root)
    listing = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}  # the checkout's own paths
    env["PYTHONPATH"] = str(REPO_ROOT)
    log_path = root.parent / "app.log"  # a file, not a pipe: a full pipe would stall the server
    with log_path.open("w") as log:
        process = subprocess.Popen(_read_only_command([sys.executable, "app.py", "--port", str(port)]), cwd=root,
                                   env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_page(url, process, output=log_path.read_text)
        with visitor(url) as client:
            assert CANARY_QUOTE in client.predict(CANARY, api_name="/chat")[0]["content"]
        # A visitor's thumbs-up cannot be stored here; the page must not answer it with an error.
        vote_status = _vote(url, "Does ice help?")
        with visitor(url) as client:
            assert CANARY_QUOTE in client.predict(CANARY, api_name="/chat")[0]["content"], "still answering"
    finally:
        stop(process)
    output = log_path.read_text()
    assert "Rebuilding" not in output
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == listing, "nothing was written"
    assert vote_status == 200, f"a vote on a read-only checkout got HTTP {vote_status}: {output[-1500:]}"
    assert "Traceback" not in output, output[-3000:]


def _vote(url: str, question: str) -> int:
    """A thumbs-up on the answer to `question`, as the browser sends it: through the queue, in the
    session that asked; the HTTP status of the vote."""
    config = json.loads(urllib.request.urlopen(f"{url}config", timeout=30).read())
    chat = next(d for d in config["dependencies"] if d.get("api_name") == "chat")
    like = next(d for d in config["dependencies"] if d.get("api_name") == "on_like")
    status, result = queue_call(url, chat["id"], [question, None], "read-only-test")
    assert status == 200 and result["success"], result
    status, result = queue_call(url, like["id"], [None], "read-only-test", trigger_id=like["targets"][0][0],
                                event_data={"index": 1, "value": "", "liked": True})
    assert status != 200 or result["success"], result
    return status