"""JUnit XML for CI systems: one test case per check, failures with their trace.

A known (allowed) deviation is a skipped test case, with its reason.  Every
text is made :func:`~._printable.printable` first: a target's control
characters cannot make the document ill-formed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from ._printable import printable as p


@dataclass(frozen=True, slots=True)
class Case:
    """One test case: its name, time, and the failure, error or skip reason (if any)."""

    name: str
    seconds: float
    failure: str | None = None
    error: str | None = None
    details: str = ""
    skipped: str | None = None


def render_junit(suite: str, cases: Sequence[Case]) -> str:
    """The JUnit XML document for ``cases``."""
    root = ET.Element("testsuites")
    node = ET.SubElement(root, "testsuite", {
        "name": p(suite),
        "tests": str(len(cases)),
        "failures": str(sum(c.failure is not None for c in cases)),
        "errors": str(sum(c.error is not None for c in cases)),
        "skipped": str(sum(c.skipped is not None for c in cases)),
        "time": f"{sum(c.seconds for c in cases):.3f}",
    })
    for case in cases:
        element = ET.SubElement(node, "testcase", {
            "classname": suite, "name": p(case.name), "time": f"{case.seconds:.3f}"})
        if case.failure is not None:
            ET.SubElement(element, "failure", {"message": p(case.failure)}).text = p(case.details)
        if case.error is not None:
            ET.SubElement(element, "error", {"message": p(case.error)}).text = p(case.details)
        if case.skipped is not None:
            ET.SubElement(element, "skipped", {"message": p(case.skipped)})
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
