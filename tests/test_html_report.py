"""``duckybio check --html``: a self-contained page, checked as HTML and in a real browser.

The page of a ``--keep-going`` run on the all-errata double names every deviation with
its failure line and reproducer and draws the state diagram with the deviating classes
in red and the untaken ones marked.  A headless Chromium (Debian's ``chromium``, which
``.ci/run`` installs) then opens it: its DOM must hold the verdict, the deviations and
the diagram, and a screenshot is taken.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from errata_double import LATENCY

from duckybio.cli.html_report import deviating_classes, render_html
from duckybio.cli.main import main
from duckybio.codegen._svg import dot_executable
from duckybio.kit._deviations import Deviation
from duckybio.kit._run import CheckReport

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class _Page(HTMLParser):
    """The ids, headings and tags of a page; refuses unbalanced tags."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "path", "polygon",
                      "ellipse", "polyline", "text"})

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self.h2: list[str] = []
        self.stack: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.ids |= {v for k, v in attrs if k == "id" and v}
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "h2":
            self._in_h2, self.h2 = True, [*self.h2, ""]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.h2[-1] += data


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CheckReport]:
    """The HTML page and JSON report of a --keep-going run on the all-errata double."""
    folder = tmp_path_factory.mktemp("html")
    html_path, json_path = folder / "report.html", folder / "report.json"
    code = main(["check", "--quiet", "--keep-going", "--target", "errata_double:every",
                 "--latency", str(LATENCY), "--examples", "100", "--out", str(folder / "cx"),
                 "--html", str(html_path), "--json", str(json_path)])
    assert code == 1
    return html_path, CheckReport.model_validate_json(json_path.read_text())


def test_the_page_shows_every_deviation_and_the_shaded_diagram(
        page: tuple[Path, CheckReport]) -> None:
    html_path, report = page
    text = html_path.read_text()
    parsed = _Page()
    parsed.feed(text)
    parsed.close()
    assert parsed.stack == ["html"] or parsed.stack == [], parsed.stack
    assert {"verdict", "summary", "deviations", "diagram"} <= parsed.ids
    assert "DOES NOT CONFORM" in text
    headings = [h for h in parsed.h2 if h[:1].isdigit()]
    assert len(headings) == len(report.new_deviations) >= 5
    for deviation in report.new_deviations:
        assert any(deviation.signature in h for h in headings)
        assert html_escape(deviation.failure) in text
    assert text.count("int run_trace(void)") == len(report.new_deviations), "a repro.c each"
    errata = {d.erratum for d in report.deviations if d.erratum}
    assert errata and all(f"matches {erratum}" in text for erratum in errata), "as the terminal"
    for consequence in (c for d in report.deviations for c in d.consequences):
        assert f"also met as: {html_escape(consequence)}" in text
    assert report.coverage is not None and report.pair_coverage is not None
    assert f"<td>{report.coverage.summary()}</td>" in text, "the terminal's coverage line"
    assert f"<td>{report.pair_coverage.summary()}</td>" in text
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org", "")
    deviating = deviating_classes(report)
    assert deviating, "some transition class is marked as deviating"
    if dot_executable() is not None:
        assert "<svg" in text and "#d32f2f" in text, "deviating classes are red"
        assert "\u25cb" in text, "untaken classes are marked"


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;").replace("'", "&#x27;")


def test_a_deviation_reddens_the_classes_the_run_took_for_its_signature() -> None:
    """A byte deviation at the end of a command is named by the STATUS write that started it
    (``start-read+ok``, a class only at latency 0); at latency 1 the run took ``start-read``
    from READY only, so only that class is red.  A signature whose classes the run never
    took reddens all of them."""
    taken = "RDY --write STATUS--> start-read"
    deviation = Deviation(signature="write STATUS/start-read+ok: RAM bytes in the DMA range",
                          failure="RAM byte 0x0: expected 0x77, observed 0x00")
    report = CheckReport(target="t", conforms=False, examples=1, steps=1, seed=0, seconds=0.1,
                         transitions=[], transition_counts={taken: 5},
                         deviations=[deviation])
    assert deviating_classes(report) == {taken}
    untaken = report.model_copy(update={"transition_counts": {}})
    assert taken in deviating_classes(untaken) and len(deviating_classes(untaken)) > 1


@pytest.mark.parametrize(("transition", "expected"), [
    ("write STATUS/start-dma-read+ok", {"start-read", "start-read+ok"}),
    ("write STATUS/start-dma-write (in flight)", {"start-write"}),
    ("write STATUS/start-write+io-error", {"start-write"}),
    ("write SID/unknown", {"unknown"}),
])
def test_a_signature_stands_for_the_classes_of_its_command(transition: str,
                                                           expected: set[str]) -> None:
    """A command is named by its direction and mode, whatever else its STATUS write did
    (DMA mode may be latched before), its end by that write: the classes that start
    such a command and end as named or later."""
    deviation = Deviation(signature=f"{transition}: STATUS value", failure="STATUS differs")
    report = CheckReport(target="t", conforms=False, examples=1, steps=1, seed=0, seconds=0.1,
                         transitions=[], transition_counts={}, deviations=[deviation])
    classes = deviating_classes(report)
    assert {c.rpartition("--> ")[2] for c in classes} == expected
    assert {c.partition(" --")[0] for c in classes} >= {"RDY", "ERR"}


def test_a_conforming_run_renders_too() -> None:
    report = CheckReport(target="t", conforms=True, examples=1, steps=1, seed=0, seconds=0.1,
                         transitions=[], transition_counts={"RDY --read STATUS--> flags": 3})
    text = render_html(report, None)
    assert "CONFORMS" in text and 'id="diagram"' in text and "Deviations" not in text


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium: .ci/run installs Debian's chromium")
def test_a_headless_browser_renders_the_page(page: tuple[Path, CheckReport],
                                             tmp_path: Path) -> None:
    html_path, report = page
    assert CHROMIUM is not None
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*flags, "--dump-dom", html_path.as_uri()], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert 'id="verdict"' in dom and "DOES NOT CONFORM" in dom
    assert dom.count('class="deviation"') == len(report.new_deviations)
    if dot_executable() is not None:
        assert "<svg" in dom
    shot = tmp_path / "report.png"
    subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1400,2400",
                    html_path.as_uri()], capture_output=True, timeout=120, check=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 2400)
    assert len(data) > 20_000, "a blank page compresses to almost nothing"
    print(f"screenshot: {shot} ({len(data)} bytes)")
