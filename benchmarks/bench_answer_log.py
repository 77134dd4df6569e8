"""What one answer costs the app at answer 10 and at answer 800 of wide-1000 (issue 17).

    python -m benchmarks answer_log [--fills=3]

Times `Screening.answer` end to end: the engine's answer (which returns the next step) and the vault
transaction that saves it (one encrypted change row, `synchronous=FULL`), on a real vault in a temp
folder (fast KDF: unlocking is not what is timed). The form is ODK's generated wide-1000, answered by
ODK's seeded rule (`benchmarks/odk/trace.py`). Reported: the median per-answer time over answers
1-20 and over answers 791-810 of each fill, and their ratio (target: within 1.2x; every
`COMPACT_AFTER` answers one save writes the whole state, which the medians leave out, so their cost
is reported apart). Baseline in the same run: the save each answer made before, the whole state
re-encrypted (`save_state`), at answer 10 and at answer 800. Reported, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from app.screening import COMPACT_AFTER, Screening, ScreeningService, stored_state
from app.vault import KdfPolicy, Vault
from benchmarks.odk import gen_forms
from benchmarks.odk.spec_protocol import protocol_yaml
from benchmarks.odk.trace import SEED, draw, mulberry32
from screening_protocols import AskQuestion, Protocol
from screening_protocols.compiled import load_compiled

PASSPHRASE = "benchmark harbour violin 42 amber"  # noqa: S105 - a throwaway vault in a temp folder
EARLY = range(20)  # answers 1-20 (around answer 10)
LATE = range(790, 810)  # answers 791-810 (around answer 800)


def wide_1000(folder: Path) -> Protocol:
    """ODK's generated wide-1000 form as a Waypoint protocol (as `bench_peers` builds it)."""
    form = gen_forms.build_wide()
    spec = folder / "wide-1000.spec.json"
    spec.write_text(json.dumps(gen_forms.to_spec(form)), encoding="utf-8")
    return load_compiled(protocol_yaml(spec), name="wide-1000")


def timed_fill(service: ScreeningService, seed: int) -> tuple[list[float], list[float], Screening]:
    """Seconds per `Screening.answer` over one fill by ODK's rule (wall clock, and this process's
    CPU time, which leaves out waiting for the disk's fsync), and the screening."""
    rand = mulberry32(seed)
    screening = service.begin("wide-1000", respondent_language="en")
    wall: list[float] = []
    cpu: list[float] = []
    while isinstance(step := screening.step, AskQuestion):
        value = draw(step.question, rand)
        before, before_cpu = time.perf_counter(), time.process_time()
        screening.answer(value)
        wall.append(time.perf_counter() - before)
        cpu.append(time.process_time() - before_cpu)
        if len(wall) > max(LATE):
            break
    return wall, cpu, screening


def _timed(action: Callable[[], object], wall: list[float], cpu: list[float]) -> None:
    before, before_cpu = time.perf_counter(), time.process_time()
    action()
    wall.append(time.perf_counter() - before)
    cpu.append(time.process_time() - before_cpu)


def _us(values: list[float]) -> float:
    return statistics.median(values) * 1e6


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks answer_log")
    parser.add_argument("--fills", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="waypoint-answer-log-") as scratch:
        protocol = wide_1000(Path(scratch))
        vault = Vault.open(Path(scratch) / "data", kdf_policy=KdfPolicy.insecure_fast_for_tests())
        vault.create(PASSPHRASE)
        service = ScreeningService(vault, protocols=lambda _: protocol)
        rows = ("answer 10", "answer 800", "snapshot", "before 10", "before 800")
        wall: dict[str, list[float]] = {row: [] for row in rows}
        cpu: dict[str, list[float]] = {row: [] for row in rows}
        for fill in range(max(1, args.fills)):
            gc.collect()
            timings, cpu_timings, screening = timed_fill(service, SEED + 3000 + fill)
            if len(timings) <= max(LATE):
                raise SystemExit(f"the fill stopped after {len(timings)} answers; need {max(LATE) + 1}")
            # After COMPACT_AFTER change rows the next answer writes the snapshot instead: answers
            # COMPACT_AFTER, 2 * COMPACT_AFTER + 1, ... (0-based), kept apart from the medians.
            snapshot = {i for i in range(len(timings)) if i % (COMPACT_AFTER + 1) == COMPACT_AFTER}
            for row, indexes in (("answer 10", EARLY), ("answer 800", LATE)):
                wall[row] += [timings[i] for i in indexes if i not in snapshot]
                cpu[row] += [cpu_timings[i] for i in indexes if i not in snapshot]
            wall["snapshot"] += [timings[i] for i in snapshot]
            cpu["snapshot"] += [cpu_timings[i] for i in snapshot]
            # The save every answer made before: the whole state, re-encrypted, for an early and a late state.
            records = vault.interviews
            state_late = stored_state(screening.interview, ())
            asked = list(screening.interview.asked)
            state_early = dict(
                state_late, asked=asked[:10], answers={q: state_late["answers"][q] for q in asked[:10]}
            )
            for _ in range(20):
                for row, state in (("before 10", state_early), ("before 800", state_late)):
                    _timed(partial(records.save_state, screening.interview_id, state), wall[row], cpu[row])
            screening.discard()
        vault.close()
    labels = {
        "answer 10": "per answer (engine + change row), answers 1-20",
        "answer 800": "per answer (engine + change row), answers 791-810",
        "snapshot": f"answers that wrote the snapshot (every {COMPACT_AFTER + 1}th)",
        "before 10": "before: whole state re-encrypted, at answer 10",
        "before 800": "before: whole state re-encrypted, at answer 800",
    }
    for row, label in labels.items():
        print(f"{label:52} median {_us(wall[row]):8.1f} us wall, {_us(cpu[row]):7.1f} us CPU")
    ratio = _us(wall["answer 800"]) / _us(wall["answer 10"])
    cpu_ratio = _us(cpu["answer 800"]) / _us(cpu["answer 10"])
    print(f"answer-log: answer-800/answer-10 ratio={ratio:.2f} cpu-ratio={cpu_ratio:.2f} (target <= 1.2)")
