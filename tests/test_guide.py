"""The driver guide's traces, C snippets and Python example are all true.

Every ```trace block of ``docs/driver-guide.md`` is replayed on the model and
on the reference implementation, with the latency its ``# latency: N`` first
line asks for (0 without one), and every answer must be the one written down.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from duckybio.kit._model_target import ModelTarget
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._replay import replay_steps
from duckybio.kit._target import Target
from duckybio.kit.trace import Step, parse_steps
from duckybio.spec.regmap import BLOCK_SIZE, DEFAULT_MMIO_ADDRESS, Flag, Reg
from duckybio.spec.wire import Readl, Writel, parse_command

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDE = DOCS / "driver-guide.md"
HEADER = ROOT / "spec" / "generated" / "bio.h"

_FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)
_LATENCY = re.compile(r"#\s*latency:\s*(\d+)")
_STATUS = DEFAULT_MMIO_ADDRESS + Reg.STATUS

#: The six topics the guide must cover, by the title of their ``##`` section.
TOPICS = ("DMA read", "DMA write", "PIO read", "PIO write", "Errors and recovery",
          "Polling a slow device")

TARGETS: dict[str, Callable[[int], Target]] = {
    "model": ModelTarget,
    "reference": ReferenceTarget,
}


@dataclass(frozen=True)
class Block:
    """One fenced block of the guide, with the ``##`` section it is in."""

    section: str
    lang: str
    text: str

    @property
    def latency(self) -> int:
        first = self.text.lstrip().splitlines()[0] if self.text.strip() else ""
        match = _LATENCY.fullmatch(first.strip())
        return int(match.group(1)) if match else 0

    @property
    def steps(self) -> list[Step]:
        return parse_steps(self.text)


def _blocks(lang: str) -> list[Block]:
    text = GUIDE.read_text()
    sections = re.split(r"^## ", text, flags=re.M)
    blocks: list[Block] = []
    for section in sections[1:]:
        title = section.splitlines()[0].strip()
        blocks += [Block(title, m.group(1), m.group(2)) for m in _FENCE.finditer(section)
                   if m.group(1) == lang]
    return blocks


TRACES = _blocks("trace")


def test_the_guide_has_traces() -> None:
    assert len(TRACES) >= len(TOPICS)


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_has_a_trace(topic: str) -> None:
    assert [b for b in TRACES if b.section == topic], f"no trace block under '## {topic}'"


@pytest.mark.parametrize("target_name", sorted(TARGETS))
@pytest.mark.parametrize("index", range(len(TRACES)),
                         ids=[f"{i}-{b.section}" for i, b in enumerate(TRACES)])
def test_trace_replays(index: int, target_name: str) -> None:
    block = TRACES[index]
    target = TARGETS[target_name](block.latency)
    try:
        assert replay_steps(target, block.steps) == []
    finally:
        target.close()


@pytest.mark.parametrize("index", range(len(TRACES)),
                         ids=[f"{i}-{b.section}" for i, b in enumerate(TRACES)])
def test_trace_is_self_contained_and_fully_answered(index: int) -> None:
    steps = TRACES[index].steps
    assert [s.command for s in steps[:2]] == [
        f"machine 0x10000 {DEFAULT_MMIO_ADDRESS:#x}", "storage 0x1 0x1000"]
    assert all(s.expect is not None for s in steps), "every step states its answer"
    assert any(isinstance(parse_command(s.command), Writel) for s in steps)


def _status_answers(block: Block) -> list[int]:
    answers = []
    for step in block.steps:
        command = parse_command(step.command)
        if isinstance(command, Readl) and command.addr == _STATUS and step.expect:
            answers.append(int(step.expect.split()[1], 16))
    return answers


def test_slow_device_trace_shows_busy_then_ready() -> None:
    blocks = [b for b in TRACES if b.section == "Polling a slow device"]
    assert blocks and all(b.latency > 0 for b in blocks)
    for block in blocks:
        answers = _status_answers(block)
        assert int(Flag.BUSY) in answers
        assert answers[-1] == int(Flag.RDY)
        assert any(s.command.startswith("clock_step") for s in block.steps)


def test_error_trace_shows_err_and_recovery() -> None:
    for block in (b for b in TRACES if b.section == "Errors and recovery"):
        answers = _status_answers(block)
        assert int(Flag.ERR) in answers
        assert answers[-1] == int(Flag.RDY)


def test_register_table_matches_the_register_map() -> None:
    rows = re.findall(r"^\s*\| (\w+) \| `(0x[0-9a-f]+)` \| `(0x[0-9a-f]+)` \|$",
                      GUIDE.read_text(), flags=re.M)
    assert {name for name, _, _ in rows} == {reg.name for reg in Reg}
    for name, offset, address in rows:
        assert int(offset, 16) == Reg[name]
        assert int(address, 16) == DEFAULT_MMIO_ADDRESS + Reg[name]


def _c_defines(text: str) -> set[str]:
    return set(re.findall(r"^#define\s+(\w+)", text, flags=re.M))


def test_c_snippets_use_only_names_bio_h_defines() -> None:
    snippets = _blocks("c")
    assert snippets
    header = _c_defines(HEADER.read_text())
    for block in snippets:
        used = set(re.findall(r"\b(BIO_\w+|BLOCK_SIZE)\b", block.text))
        unknown = used - header - _c_defines(block.text)
        assert not unknown, f"not in bio.h: {sorted(unknown)}"
        for flags in ("BIO_DMA | BIO_READ", "BIO_DMA | BIO_WRITE", "BIO_SRST"):
            assert flags in block.text


def test_python_example_runs_and_prints_what_it_says() -> None:
    examples = _blocks("python")
    assert examples
    for block in examples:
        expected = re.findall(r"print\(.*\)\s+# -> (.*)$", block.text, flags=re.M)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block.text, str(GUIDE), "exec"), {"__name__": "guide_example"})
        assert out.getvalue().splitlines() == expected
        assert expected


def test_docs_index_links_resolve() -> None:
    index = DOCS / "README.md"
    links = re.findall(r"\]\(([^)#]+)\)", index.read_text())
    assert len(links) >= 5
    for link in links:
        assert (DOCS / link).resolve().is_file(), link
    guide_links = re.findall(r"\]\(([^)#:]+)\)", GUIDE.read_text())
    for link in guide_links:
        assert (DOCS / link).resolve().is_file(), link


def test_pio_trace_words_are_little_endian_block_bytes() -> None:
    """The PIO read trace's DATA answers are the stored bytes, four at a time."""
    block = next(b for b in TRACES if b.section == "PIO read")
    stored = b""
    words: list[int] = []
    for step in block.steps:
        if step.command.startswith("storage-write 0x1 0x0 "):
            stored = bytes.fromhex(step.command.split()[-1][2:])
        command = parse_command(step.command)
        if isinstance(command, Readl) and command.addr == DEFAULT_MMIO_ADDRESS + Reg.DATA:
            assert step.expect is not None
            words.append(int(step.expect.split()[1], 16))
    assert words
    assert b"".join(w.to_bytes(4, "little") for w in words) == stored[:4 * len(words)]
    assert 4 * len(words) <= BLOCK_SIZE
