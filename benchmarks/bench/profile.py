"""Where the server's time goes under load: a py-spy sampling profile, summarised per function.

py-spy samples the running server from outside (no code change, little overhead with
--nonblocking). It is optional: without it on PATH the benchmark simply has no profile section.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^():]+)(?::\d+)?\)$")
#: Frames that are on every stack of their thread and say nothing about where the time goes.
_PLUMBING_FILES = ("threading.py", "asyncio/base_events.py", "asyncio/runners.py", "asyncio/events.py",
                   "uvicorn/server.py", "uvicorn/_compat.py", "_backends/_asyncio.py", "futures/thread.py")


def py_spy() -> str | None:
    """The py-spy executable, next to this Python or on PATH."""
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


def start_recording(pid: int, seconds: float, output: Path) -> subprocess.Popen | None:
    """Start sampling `pid` for `seconds`; returns the py-spy process, or None without py-spy."""
    executable = py_spy()
    if executable is None:
        return None
    return subprocess.Popen(
        [executable, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "100",
         "--format", "raw", "--output", str(output), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def summarise(raw: Path, seconds: float, top: int = 18) -> dict | None:
    """Share of samples with each function on the stack (inclusive) and at its top (self)."""
    if not raw.is_file():
        return None
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_name(frame) for frame in stack.split(";") if frame]
        frames = [f for f in frames if f]
        if not frames:
            continue
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return None
    ranked = [f for f, _ in inclusive.most_common() if not f.endswith(tuple(p + ")" for p in _PLUMBING_FILES))][:top]
    return {
        "samples": total, "seconds": seconds,
        "top": [{"frame": f, "inclusive": round(inclusive[f] / total, 3), "self": round(own[f] / total, 3)}
                for f in ranked],
        "top_self": [{"frame": f, "self": round(n / total, 3)} for f, n in own.most_common(top)],
    }


def _name(frame: str) -> str:
    frame = frame.strip()
    if frame.startswith("process ") or frame.startswith("thread "):
        return ""
    match = _FRAME.match(frame)
    if not match:
        return frame
    file = match["file"].replace("\\", "/")
    # Keep the package-relative path: gradio/queueing.py says more than queueing.py.
    parts = file.split("site-packages/")[-1].split("/")
    return f"{match['function']} ({'/'.join(parts[-2:])})"
