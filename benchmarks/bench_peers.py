"""Waypoint beside ODK's engine on the same forms: `python -m benchmarks peers [--rounds=N]`.

Sets up ODK's harness (benchmarks/odk/harness.py), generates the two full forms (calculates
included) with ODK's own generator, checks that Waypoint reproduces ODK's seeded traces exactly
(the committed reference traces), then runs the engines interleaved: each round runs ODK's harness
once, then the same measurements on Waypoint. Medians over rounds; stdout has exactly one line per row,
`<row>: waypoint=<number> odk=<number> ratio=<number>` (ratio = waypoint / odk); the rest is on stderr.

What each row compares:
* `screen-30 fill/s`: fills per second, from the median fill (ODK: answers into a reset instance;
  Waypoint: start() and every answer);
* `wide-1000 fill ms`: one full fill (~846 answers, 20 calculates of ~35 terms);
* `wide-1000 load ms`: ODK: XForm text -> ready instance; Waypoint: its compiled form (JSON text,
  benchmarks/odk + screening_protocols/compiled.py) -> Protocol -> start(), with the expression cache
  emptied each time, so every expression is parsed again;
* `per-answer p99 us`: one answer, timed alone (ODK: the engine write and its reactive updates;
  Waypoint: answer(), which also computes the next step), over whole latency fills of wide-1000.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.odk import gen_forms
from benchmarks.odk.harness import HarnessError, run_once, set_up
from benchmarks.odk.spec_protocol import protocol_yaml
from benchmarks.odk.trace import SEED, draw, mulberry32, trace
from screening_protocols import AskQuestion, Protocol, answer_next, next_step, start
from screening_protocols.compiled import from_compiled, load_compiled, to_compiled
from screening_protocols.expressions import parse

REFERENCE = Path(__file__).parent / "odk" / "reference"
FORMS = ("screen-30", "wide-1000")


def write_forms(folder: Path) -> None:
    """ODK's generator, full forms: `<id>.xml` and `<id>.spec.json`."""
    folder.mkdir(parents=True, exist_ok=True)
    for form in (gen_forms.build_wide(), gen_forms.build_screen()):
        (folder / f"{form['id']}.xml").write_text(gen_forms.to_xform(form), encoding="utf-8")
        spec = json.dumps(gen_forms.to_spec(form), indent=1) + "\n"
        (folder / f"{form['id']}.spec.json").write_text(spec, encoding="utf-8")


def check_trace(protocol: Protocol) -> None:
    """Refuse to time an engine that does not do the same work: the trace must match ODK's."""
    reference = json.loads((REFERENCE / f"trace-{protocol.id}.json").read_text(encoding="utf-8"))
    got = trace(protocol, reference["seed"])
    if got["answers"] != reference["answers"] or got["calculates"] != reference["calculates"]:
        raise SystemExit(f"{protocol.id}: Waypoint's trace differs from ODK's reference trace; not timing")


def timed_fill(protocol: Protocol, seed: int, latencies: list[float] | None = None) -> float:
    """One fill by the answer rule; its duration in ms. With `latencies`, each answer is also timed
    alone (draws outside) and appended; without, the clock is read only at both ends."""
    rand = mulberry32(seed)
    clock = time.perf_counter
    began = clock()
    interview = start(protocol)
    step = next_step(protocol, interview)
    if latencies is None:
        while type(step) is AskQuestion:
            question = step.question
            interview, step = answer_next(protocol, interview, question.id, draw(question, rand))
        return (clock() - began) * 1000
    while type(step) is AskQuestion:
        value = draw(step.question, rand)
        before = clock()
        interview, step = answer_next(protocol, interview, step.question.id, value)
        latencies.append(clock() - before)
    return (clock() - began) * 1000


def load_ms(compiled_text: str) -> float:
    """Compiled form -> Protocol -> start(), expressions parsed afresh; ms."""
    parse.cache_clear()
    began = time.perf_counter()
    protocol = from_compiled(json.loads(compiled_text))
    start(protocol)
    return (time.perf_counter() - began) * 1000


def waypoint_round(protocols: dict[str, Protocol], compiled: str, round_no: int) -> dict[str, float]:
    gc.collect()
    screen = [timed_fill(protocols["screen-30"], SEED + i) for i in range(100)]
    wide = []
    for i in range(3):
        gc.collect()
        wide.append(timed_fill(protocols["wide-1000"], SEED + i))
    loads = []
    for _ in range(3):
        gc.collect()
        loads.append(load_ms(compiled))
    latencies: list[float] = []
    for i in range(2):
        gc.collect()
        timed_fill(protocols["wide-1000"], SEED + 1000 + i + 2 * round_no, latencies)
    return {
        "screen": 1000 / statistics.median(screen),
        "wide": statistics.median(wide),
        "load": statistics.median(loads),
        "p99": _p99(latencies) * 1e6,
    }


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def odk_round(results: dict[str, Any]) -> dict[str, float]:
    screen, wide = results["results"]["screen-30"], results["results"]["wide-1000"]
    return {
        "screen": 1000 / screen["fill"]["median"],
        "wide": wide["fill"]["median"],
        "load": wide["load"]["median"],
        "p99": wide["latency"]["all"]["p99"] * 1000,
    }


def per_answer_growth(protocol: Protocol) -> tuple[float, float]:
    """Median per-answer time (us) at answers 1-100 and at 700-800 of wide-1000 fills."""
    early: list[float] = []
    late: list[float] = []
    for i in range(5):
        latencies: list[float] = []
        gc.collect()
        timed_fill(protocol, SEED + 2000 + i, latencies)
        early += latencies[:100]
        late += latencies[699:800]
    return statistics.median(early) * 1e6, statistics.median(late) * 1e6


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks peers")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="waypoint-peers-") as scratch:
        forms = Path(scratch) / "forms"
        write_forms(forms)
        try:
            node, odk_dir = set_up(forms)
        except HarnessError as error:
            raise SystemExit(f"bench peers: {error}") from None
        protocols = {fid: load_compiled(protocol_yaml(forms / f"{fid}.spec.json"), name=fid) for fid in FORMS}
        for protocol in protocols.values():
            check_trace(protocol)
        print("traces: Waypoint reproduces ODK's reference traces on both full forms", file=sys.stderr)
        compiled = json.dumps(to_compiled(protocols["wide-1000"]))
        mine: list[dict[str, float]] = []
        theirs: list[dict[str, float]] = []
        for round_no in range(max(1, args.rounds)):
            try:
                theirs.append(odk_round(run_once(node, odk_dir, Path(scratch) / "odk-out")))
            except HarnessError as error:
                raise SystemExit(f"bench peers: {error}") from None
            mine.append(waypoint_round(protocols, compiled, round_no))
            print(f"round {round_no + 1}: waypoint {mine[-1]} odk {theirs[-1]}", file=sys.stderr, flush=True)
        early, late = per_answer_growth(protocols["wide-1000"])
        print(
            f"waypoint per-answer median, answers 1-100: {early:.1f} us, 700-800: {late:.1f} us "
            f"(ratio {late / early:.2f})",
            file=sys.stderr,
        )
    rows = (
        ("screen-30 fill/s", "screen"),
        ("wide-1000 fill ms", "wide"),
        ("wide-1000 load ms", "load"),
        ("per-answer p99 us", "p99"),
    )
    for label, key in rows:
        w = statistics.median(r[key] for r in mine)
        o = statistics.median(r[key] for r in theirs)
        print(f"{label}: waypoint={_number(w)} odk={_number(o)} ratio={w / o:.3f}", flush=True)


def _number(value: float) -> str:
    return f"{value:.1f}" if value < 1000 else f"{value:.0f}"
