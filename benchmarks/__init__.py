"""Developer tools that measure the bot from outside: run from a checkout, never shipped in the wheel.

    python -m benchmarks.bench [--quick] [--out docs]    latency, cold start, throughput, memory, scale
    python -m benchmarks.soak [--sessions 16] [--seconds 60]    many chat sessions at once, for a while
    python benchmarks/quality_ablation.py                  answer quality with each learned part off

They need the `bench` extra (`pip install -e ".[bench]"`) and read the checkout itself (its
corpus/, index/, app.py and the labelled questions under tests/), which an installed wheel lacks.
"""

from pathlib import Path

#: The checkout being measured: the folder holding app.py, corpus/, index/ and tests/.
ROOT = Path(__file__).resolve().parent.parent
