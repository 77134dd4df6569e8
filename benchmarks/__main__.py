"""Run every benchmark: `python -m benchmarks [NAME ...]` (or `python3 dev.py bench`).

Each `benchmarks/bench_<name>.py` exposes `main(argv) -> None` and prints medians and ratios against a
baseline measured in the same run. Targets are reported, never asserted: timing belongs here, not in
unit tests.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    names = sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))
    chosen = [a for a in argv if not a.startswith("-")] or names
    for name in chosen:
        if name not in names:
            raise SystemExit(f"no benchmark named {name!r}; choose from: {', '.join(names)}")
        print(f"== {name} ==", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").main([a for a in argv if a.startswith("-")])


if __name__ == "__main__":
    main(sys.argv[1:])
