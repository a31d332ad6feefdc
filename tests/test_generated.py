"""The generated driver material agrees with the register map and the model.

The header is compiled with ``_Static_assert`` checks written here from the
register map, and parsed back; every committed generated file must be what
the generators produce now; the state diagrams' transitions must be exactly
those the model takes, re-derived here on a different machine.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from duckybio import codegen
from duckybio.cli import gen as gen_cmd
from duckybio.codegen import _layout as layout
from duckybio.codegen import _svg as svg_file
from duckybio.model import (
    Complete,
    Event,
    EventKind,
    MachineState,
    ModelConfig,
    Phase,
    Read,
    StepOutcome,
    StorageSpec,
    Tick,
    Write,
    phase_of,
    power_on,
    run,
    step,
)
from duckybio.spec import regmap
from duckybio.spec.regmap import FLAG_DEFS, REGISTER_DEFS, Flag, Reg

ROOT = Path(__file__).resolve().parent.parent
EdgeTuple = tuple[Phase, Phase, EventKind, StepOutcome]


def expected_defines() -> dict[str, int]:
    """What ``bio.h`` must define, by C name, straight from the register map."""
    values = {
        "BLOCK_SIZE": regmap.BLOCK_SIZE,
        "BIO_PAGE_SIZE": regmap.PAGE_SIZE,
        "BIO_WORD_SIZE": regmap.WORD_SIZE,
        "BIO_DEFAULT_MMIO_ADDRESS": regmap.DEFAULT_MMIO_ADDRESS,
        "BIO_DEFAULT_IRQ": regmap.DEFAULT_IRQ,
        "BIO_DATA_INVALID": regmap.DATA_INVALID,
        "BIO_USER": regmap.GUEST_SETTABLE,
        "BIO_READABLE": regmap.READABLE_FLAGS,
        "BIO_RESERVED_START": regmap.RESERVED_START,
    }
    values.update({f"BIO_{f.name}": f.mask for f in FLAG_DEFS})
    values.update({f"BIO_{r.name}": r.offset for r in REGISTER_DEFS})
    return values


def test_every_register_map_constant_is_documented() -> None:
    integers = {name for name, value in vars(regmap).items()
                if name.isupper() and isinstance(value, int) and not isinstance(value, bool)}
    assert {c.name for c in regmap.CONSTANT_DEFS} == integers
    for const in regmap.CONSTANT_DEFS:
        assert getattr(regmap, const.name) == const.value and const.description.endswith(".")
        assert regmap.constant(const.name) is const
    with pytest.raises(KeyError):
        regmap.constant("NO_SUCH_CONSTANT")


def committed(rel: Path) -> str:
    return (ROOT / rel).read_text(encoding="utf-8")


# --- the C header -------------------------------------------------------------------

def c_compiler() -> str | None:
    return shutil.which("cc") or shutil.which("gcc")


def compile_check(cc: str, header_dir: Path, values: dict[str, int], tmp: Path) -> None:
    lines = ['#include "bio.h"', ""]
    lines += [f'_Static_assert(({name}) == {value}ULL, "{name}");'
              for name, value in values.items()]
    lines += ["", "int bio_header_check(void);", "int bio_header_check(void) { return 0; }", ""]
    source = tmp / "check.c"
    source.write_text("\n".join(lines), encoding="utf-8")
    subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic",
                    "-I", str(header_dir), "-c", str(source), "-o", str(tmp / "check.o")],
                   check=True, capture_output=True, text=True)


def test_header_compiles_and_matches_register_map(tmp_path: Path) -> None:
    cc = c_compiler()
    if cc is None:
        pytest.skip("no C compiler (cc or gcc) on PATH")
    header_dir = ROOT / layout.HEADER_PATH.parent
    compile_check(cc, header_dir, expected_defines(), tmp_path)
    wrong = dict(expected_defines())
    wrong["BIO_DATA"] += regmap.WORD_SIZE
    with pytest.raises(subprocess.CalledProcessError) as failed:
        compile_check(cc, header_dir, wrong, tmp_path)
    assert "BIO_DATA" in failed.value.stderr


def parse_defines(header: str) -> dict[str, int]:
    """The header's ``#define NAME VALUE`` lines, values evaluated (literals and ORs)."""
    values: dict[str, int] = {}
    for name, body in re.findall(r"^#define (\w+) (.+)$", header, flags=re.MULTILINE):
        body = body.strip()
        if re.fullmatch(r"\((\w+)( \| \w+)*\)", body):
            result = 0
            for term in body.strip("()").split(" | "):
                result |= values[term]
            values[name] = result
        else:
            values[name] = int(body.rstrip("uU"), 0)
    return values


def test_header_values_parse_back_to_register_map() -> None:
    header = committed(layout.HEADER_PATH)
    assert parse_defines(header) == expected_defines()


def test_header_is_guarded_commented_and_marked_generated() -> None:
    header = committed(layout.HEADER_PATH)
    lines = header.splitlines()
    directives = [line for line in lines if line.startswith("#")]
    assert directives[0] == "#ifndef DUCKYBIO_BIO_H"
    assert directives[1] == "#define DUCKYBIO_BIO_H"
    assert directives[-1].startswith("#endif")
    assert "`duckybio gen`" in header and "do not edit" in header
    for index, line in enumerate(lines):
        if line.startswith("#define BIO_") or line.startswith("#define BLOCK_SIZE"):
            assert lines[index - 1].startswith("/* "), f"no comment above {line!r}"
    for flag in FLAG_DEFS:
        assert f"/* {flag.description} */\n#define BIO_{flag.name} " in header


# --- the register document -------------------------------------------------------------

def test_register_doc_tables_follow_register_map() -> None:
    doc = committed(layout.REGISTER_DOC_PATH)
    for reg in REGISTER_DEFS:
        row = next(line for line in doc.splitlines()
                   if line.startswith(f"| `{reg.offset:#04x}` |"))
        assert f"| {reg.name} |" in row and f"| {reg.access} |" in row
        assert f"`{reg.reset:#010x}`" in row
        assert reg.on_read in row and reg.on_write in row
    flags_section = doc.split("## STATUS flags", 1)[1]
    for flag in FLAG_DEFS:
        row = next(line for line in flags_section.splitlines()
                   if line.startswith(f"| `{flag.mask:#04x}` |"))
        assert f"| {flag.name} |" in row and flag.description in row
        assert f"| {'yes' if flag.guest_settable else 'no'} |" in row
    assert f"`{regmap.GUEST_SETTABLE:#04x}`" in doc


# --- up to date -----------------------------------------------------------------------------

def test_committed_generated_files_are_up_to_date() -> None:
    assert codegen.check_all(ROOT) == []


def test_svg_was_rendered_from_the_committed_dot() -> None:
    svg = committed(codegen.SVG_PATH)
    dot = committed(layout.DOT_PATH)
    assert "<svg" in svg
    assert svg_file.svg_is_current(svg, dot)
    assert not svg_file.svg_is_current(svg, dot + "\n")


def test_check_all_reports_a_stale_file(tmp_path: Path) -> None:
    codegen.write_all(tmp_path, svg=False)
    assert codegen.check_all(tmp_path) == [codegen.SVG_PATH]
    header = tmp_path / layout.HEADER_PATH
    header.write_text(header.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert codegen.check_all(tmp_path) == [layout.HEADER_PATH, codegen.SVG_PATH]


# --- the state diagrams ----------------------------------------------------------------------

def split_label(text: str, separator: str, before: Phase, after: Phase) -> set[EdgeTuple]:
    edges: set[EdgeTuple] = set()
    for line in filter(None, text.split(separator)):
        kind, _, outcomes = line.partition(" / ")
        for outcome in outcomes.split(", "):
            edges.add((before, after, EventKind(kind), StepOutcome.named(outcome)))
    return edges


def parse_dot(dot: str) -> set[EdgeTuple]:
    edges: set[EdgeTuple] = set()
    for name, label in re.findall(r'^    (\w+) \[label="(.*)"\];$', dot, flags=re.MULTILINE):
        if name in Phase.__members__:
            phase = Phase[name]
            edges |= split_label(label.split("\\n", 1)[1], "\\l", phase, phase)
    for a, b, label in re.findall(r'^    (\w+) -> (\w+) \[label="(.*)"\];$', dot,
                                  flags=re.MULTILINE):
        if a != "power_on":
            edges |= split_label(label, "\\l", Phase[a], Phase[b])
    return edges


def parse_mermaid(mermaid: str) -> set[EdgeTuple]:
    edges: set[EdgeTuple] = set()
    for name, line in re.findall(r"^    (\w+) : (.*)$", mermaid, flags=re.MULTILINE):
        edges |= split_label(line, "<br>", Phase[name], Phase[name])
    for a, b, label in re.findall(r"^    (\w+) --> (\w+): (.*)$", mermaid, flags=re.MULTILINE):
        edges |= split_label(label, "<br>", Phase[a], Phase[b])
    return edges


#: A machine unlike the generator's: 8-byte blocks, two storages, other values.
MACHINES = tuple(
    ModelConfig(block_size=8, page_size=8, ram_size=48, mmio_base=16,
                storages=(StorageSpec(7, 16), StorageSpec(9, 8)), latency=latency)
    for latency in (0, 3)
)
STATUS_VALUES = (0, int(Flag.READ), int(Flag.WRITE), int(Flag.DMA), int(Flag.SRST))
ALPHABET: tuple[Event, ...] = (
    Read(Reg.STATUS), Read(Reg.DATA), Read(Reg.ADDR), Read(0x80),
    *(Write(Reg.STATUS, v) for v in STATUS_VALUES),
    Write(Reg.SID, 9), Write(Reg.SID, 0xFFFFFFFF),
    Write(Reg.BLOCK, 1), Write(Reg.BLOCK, 0x40),
    Write(Reg.COUNT, 0), Write(Reg.COUNT, 1),
    Write(Reg.ADDR, 8), Write(Reg.ADDR, 20),
    Write(Reg.DATA, 0xDEADBEEF), Write(0x40, 5),
    Tick(), Complete(),
)


def observed(cfg: ModelConfig, depth: int) -> set[EdgeTuple]:
    """Every transition taken from states reachable within ``depth`` events of power-on."""
    start = power_on(cfg)
    seen: set[MachineState] = {start}
    layer = [start]
    edges: set[EdgeTuple] = set()
    for _ in range(depth):
        following: list[MachineState] = []
        for state in layer:
            for event in ALPHABET:
                nxt, out = step(cfg, state, event)
                edges.add((phase_of(state.bio), phase_of(nxt.bio), out.transition.kind,
                           out.transition.outcome))
                if nxt not in seen:
                    seen.add(nxt)
                    following.append(nxt)
        layer = following
    return edges


def test_diagrams_show_exactly_the_transitions_the_model_takes() -> None:
    model_edges: set[EdgeTuple] = set()
    for cfg in MACHINES:
        model_edges |= observed(cfg, 7)
    dot_edges = parse_dot(committed(layout.DOT_PATH))
    assert dot_edges == model_edges
    assert parse_mermaid(committed(layout.MERMAID_PATH)) == model_edges
    phases = {e[0] for e in model_edges} | {e[1] for e in model_edges}
    assert phases == {Phase.READY, Phase.READY_ERR, Phase.ERROR, Phase.BUSY, Phase.BUSY_ERR}


def test_diagram_covers_steps_from_hand_built_states() -> None:
    cfg = ModelConfig(block_size=8, page_size=8, ram_size=48, mmio_base=16,
                      storages=(StorageSpec(7, 16),), latency=1)
    start = power_on(cfg)
    states = {
        Phase.BUSY: run(cfg, start, [Write(Reg.SID, 7), Write(Reg.STATUS, int(Flag.READ))]),
        Phase.BUSY_ERR: run(cfg, start, [Write(Reg.SID, 8), Write(Reg.STATUS, int(Flag.WRITE))]),
        Phase.READY_ERR: run(cfg, start, [Write(Reg.SID, 8), Write(Reg.SID, 7),
                                          Write(Reg.STATUS, int(Flag.READ)), Tick()]),
    }
    dot_edges = parse_dot(committed(layout.DOT_PATH))
    for phase, state in states.items():
        assert phase_of(state.bio) is phase
        for event in ALPHABET:
            nxt, out = step(cfg, state, event)
            edge = (phase, phase_of(nxt.bio), out.transition.kind, out.transition.outcome)
            assert edge in dot_edges, edge


# --- the command ---------------------------------------------------------------------------------

def gen(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="duckybio")
    gen_cmd.add_parser(parser.add_subparsers(dest="command"))
    return gen_cmd.run(parser.parse_args(["gen", *argv]))


def test_default_root_is_this_source_tree() -> None:
    assert gen_cmd.DEFAULT_ROOT == ROOT


def test_gen_refuses_a_root_that_is_not_a_source_tree(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gen("--check", "--root", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def fake_tree(tmp_path: Path) -> Path:
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "regmap.py").write_text("", encoding="utf-8")
    return tmp_path


def test_gen_check_lists_stale_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = fake_tree(tmp_path)
    assert gen("--check", "--root", str(root)) == 1
    out = capsys.readouterr().out
    for rel in [*codegen.generated_files(), codegen.SVG_PATH]:
        assert f"stale: {rel}" in out


def test_gen_without_dot_fails_naming_the_svg(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    assert codegen.dot_executable() is None
    root = fake_tree(tmp_path)
    assert gen("--root", str(root)) == 1
    assert "dot` is not installed" in capsys.readouterr().err
    assert codegen.check_all(root) == [codegen.SVG_PATH]


def test_gen_writes_everything_then_check_passes(tmp_path: Path) -> None:
    if codegen.dot_executable() is None:
        pytest.skip("graphviz `dot` is not installed")
    root = fake_tree(tmp_path)
    assert gen("--root", str(root)) == 0
    assert gen("--check", "--root", str(root)) == 0
    assert codegen.check_all(root) == []
