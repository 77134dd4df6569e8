"""Protocol engine timings: `python -m benchmarks protocols [--repeat=N]`.

1. load + validate every library protocol (the whole pipeline: YAML, schema, rules, build);
2. answer-to-next-question on a generated 1,000-question protocol, against the same transition on
   `border-rapid` (8 questions) measured in this run: the ratio shows a step does not grow with the form;
   also the cost of a cold step (state read back from JSON, walk recomputed from the start);
3. a full random fill of `consular-screen` (start, every answer, outcome), against `border-rapid`.

Medians are printed; nothing is asserted (targets belong in the README, not in tests).
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from screening_protocols import (
    DECLINED,
    Answered,
    AskQuestion,
    Interview,
    Protocol,
    answer_next,
    decline_next,
    get_protocol,
    load_protocol,
    next_step,
    outcome,
    start,
)
from screening_protocols.library import library_paths
from screening_protocols.loader import check

CONSENT_TOPICS = ("purpose", "data_use", "retention", "withdrawal", "right_not_to_answer", "right_to_stop",
                  "right_to_restrict_use")  # fmt: skip


def generated_protocol(size: int = 1000, seed: int = 7) -> str:
    """A valid protocol with `size` yes/no questions, a third of them conditional on an earlier one."""
    rng = random.Random(seed)
    lines = [
        "id: generated", 'version: "1"', "title: Generated load test", "audience: general",
        "validation_status: Synthetic.", "decision:", "  age_fact: null", "consent:", "  kind: consent",
        "  agreement: Start?", "  items:",
    ]  # fmt: skip
    lines += [f"    - {{topic: {topic}, text: Text.}}" for topic in CONSENT_TOPICS]
    lines.append("sections:")
    for index in range(size):
        if index % 50 == 0:
            lines += [f"  - id: s{index // 50}", f"    title: Part {index // 50}", "    questions:"]
        lines += [f"      - id: q{index}", "        kind: yes_no", f"        text: Question {index}?"]
        if index > 0 and rng.random() < 0.33:
            lines.append(f"        relevant: ${{q{rng.randrange(max(0, index - 40), index)}}} != 'no'")
    lines.append("indicators:")
    for index in range(0, size, 10):
        element = ("act", "means", "purpose")[index % 3]
        lines += [f"  - id: i{index}", "    label: Indicator", f"    when: ${{q{index}}} = 'yes'",
                  f"    element: {element}", "    strength: medium"]  # fmt: skip
    lines += ["emergency:", "  - id: now", "    when: ${q0} = 'yes'", "    guidance: Help."]
    return "\n".join(lines) + "\n"


def _value(rng: random.Random) -> str:
    return rng.choice(["yes", "no", "no", "no", "unsure", DECLINED])


def _answer_value(protocol: Protocol, step: AskQuestion, rng: random.Random) -> object:
    question = step.question
    kind = question.kind.value
    if kind == "info":
        return None
    if rng.random() < 0.1:
        return DECLINED
    if kind == "yes_no":
        return rng.choice(["yes", "no", "no", "unsure"])
    if kind == "number":
        low = int(question.minimum or 0)
        return rng.randint(low, int(question.maximum or 120))
    return rng.choice(question.options).value


def _give(protocol: Protocol, interview: Interview, qid: str, value: object) -> Answered:
    if value == DECLINED:
        return decline_next(protocol, interview, qid)
    return answer_next(protocol, interview, qid, value)  # type: ignore[arg-type]


def transitions(protocol: Protocol, rng: random.Random, limit: int, *, no_danger: bool = True) -> list[int]:
    """Nanoseconds for each answer (which returns the next step), over one fill of `protocol`."""
    timings: list[int] = []
    interview = start(protocol)
    step = next_step(protocol, interview)
    while isinstance(step, AskQuestion) and len(timings) < limit:
        value = _answer_value(protocol, step, rng)
        if no_danger and step.question.id in ("q0", "in_danger"):
            value = "no"
        begin = time.perf_counter_ns()
        interview, step = _give(protocol, interview, step.question.id, value)
        timings.append(time.perf_counter_ns() - begin)
    return timings


def cold_steps(protocol: Protocol, rng: random.Random, count: int) -> list[int]:
    """Nanoseconds for next_step on a state read back from JSON (no cached walk), at random depths."""
    interview = start(protocol)
    states: list[dict[str, Any]] = []
    while isinstance(step := next_step(protocol, interview), AskQuestion) and len(states) < 400:
        value = "no" if step.question.id == "q0" else _answer_value(protocol, step, rng)
        interview = _give(protocol, interview, step.question.id, value).interview
        states.append(interview.to_dict())
    timings = []
    for data in rng.sample(states, min(count, len(states))):
        restored = Interview.from_dict(data)
        begin = time.perf_counter_ns()
        next_step(protocol, restored)
        timings.append(time.perf_counter_ns() - begin)
    return timings


def full_fill(protocol: Protocol, rng: random.Random) -> int:
    """Nanoseconds for start + every answer + outcome."""
    begin = time.perf_counter_ns()
    interview = start(protocol)
    step = next_step(protocol, interview)
    while isinstance(step, AskQuestion):
        interview, step = _give(protocol, interview, step.question.id, _answer_value(protocol, step, rng))
    outcome(protocol, interview)
    return time.perf_counter_ns() - begin


def _median_ms(values: list[int]) -> float:
    return statistics.median(values) / 1e6


def _time(action: Callable[[], object], repeat: int) -> list[int]:
    timings = []
    for _ in range(repeat):
        begin = time.perf_counter_ns()
        action()
        timings.append(time.perf_counter_ns() - begin)
    return timings


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks protocols")
    parser.add_argument("--repeat", type=int, default=20, help="repetitions per measurement (default 20)")
    args, _ = parser.parse_known_args(argv)
    rng = random.Random(2026)

    print("1. load + validate every library protocol")
    total = []
    for path in library_paths():
        timings = _time(functools.partial(check, path), args.repeat)
        total.append(statistics.median(timings))
        print(f"   {path.stem:<20} median {_median_ms(timings):8.2f} ms")
    print(f"   all {len(total)} protocols      total {sum(total) / 1e6:8.2f} ms")

    text = generated_protocol().encode()
    load_times = _time(lambda: load_protocol(text, name="generated.yaml"), max(3, args.repeat // 4))
    big = load_protocol(text, name="generated.yaml")
    load_ms = _median_ms(load_times)
    print(f"\n2. generated protocol: {len(big.questions)} questions, load + validate median {load_ms:.1f} ms")
    border = get_protocol("border-rapid")
    small = [t for _ in range(args.repeat * 10) for t in transitions(border, rng, 8)]
    large = [t for _ in range(args.repeat) for t in transitions(big, rng, 2000)]
    cold = cold_steps(big, rng, 50)
    small_us, large_us, cold_us = _median_ms(small) * 1000, _median_ms(large) * 1000, _median_ms(cold) * 1000
    print(
        f"   answer -> next question, border-rapid (baseline) median {small_us:8.1f} µs  ({len(small)} steps)"
    )
    print(
        f"   answer -> next question, 1,000 questions         median {large_us:8.1f} µs  ({len(large)} steps)"
    )
    print(f"   ratio 1,000 questions / border-rapid             {large_us / small_us:8.2f}x")
    print(f"   cold next_step (state from JSON, full walk)      median {cold_us:8.1f} µs")

    consular = get_protocol("consular-screen")
    fills = _median_ms([full_fill(consular, rng) for _ in range(args.repeat * 5)])
    border_fills = _median_ms([full_fill(border, rng) for _ in range(args.repeat * 5)])
    print("\n3. full random fill (start, answers, outcome)")
    print(f"   border-rapid (baseline)  median {border_fills:6.2f} ms")
    print(f"   consular-screen          median {fills:6.2f} ms  ratio {fills / border_fills:.2f}x")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
