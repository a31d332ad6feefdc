"""The trace format's JSON Schema: generated from the model, committed, kept current.

``spec/trace.schema.json`` is what :func:`duckybio.kit.trace.json_schema`
writes (``Trace.model_json_schema()``); ``duckybio gen`` writes it with the
other generated files and ``duckybio gen --check`` lists it when stale.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Final

import pytest

from duckybio.cli import gen as gen_cmd
from duckybio.kit.trace import SCHEMA_FILE, json_schema

ROOT: Final = Path(__file__).resolve().parent.parent


def test_the_committed_trace_schema_is_the_generated_one() -> None:
    committed = (ROOT / "spec" / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == json_schema()
    schema = json.loads(committed)
    assert schema["title"] == "Trace" and schema["required"] == ["name", "steps"]
    assert schema["properties"]["format"]["const"] == "duckybio-trace/1"


def _gen(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="duckybio")
    gen_cmd.add_parser(parser.add_subparsers(dest="command"))
    return gen_cmd.run(parser.parse_args(["gen", *argv]))


def test_gen_writes_and_checks_the_trace_schema(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "regmap.py").write_text("", encoding="utf-8")
    assert _gen("--check", "--root", str(tmp_path)) == 1
    assert f"stale: spec/{SCHEMA_FILE}" in capsys.readouterr().out
    _gen("--root", str(tmp_path))  # without graphviz it fails on the SVG alone
    assert (tmp_path / "spec" / SCHEMA_FILE).read_text(encoding="utf-8") == json_schema()
    assert gen_cmd.TRACE_SCHEMA_PATH not in gen_cmd.stale_files(tmp_path)
