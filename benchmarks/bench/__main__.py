"""`python -m benchmarks.bench [--quick] [--out DIR] [--only overhead,served,scale]`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Before anything imports huggingface_hub or gradio: the model is local and nothing phones home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__,
                                     epilog="example: python -m benchmarks.bench --out docs")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, every step (for tests; not for quoting)")
    parser.add_argument("--out", default="docs", help="folder for benchmarks.json/.md/.png (default: docs)")
    parser.add_argument("--only", default="", help="comma-separated subset of: overhead, served, scale")
    args = parser.parse_args(argv)
    from . import run

    sections = {s.strip() for s in args.only.split(",") if s.strip()} or None
    results = run(Path(args.out), quick=args.quick, sections=sections)
    for key, value in results["headline"].items():
        met = results["verdicts"].get(key)
        print(f"{key:32} {value}" + ("" if met is None else ("  (met)" if met else "  (MISSED)")))
    print(f"Report: {results['reports']['markdown']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
