"""JUnit XML for CI systems: one test case per check, failures with their trace.

A known (allowed) deviation is a skipped test case, with its reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass


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
        "name": suite,
        "tests": str(len(cases)),
        "failures": str(sum(c.failure is not None for c in cases)),
        "errors": str(sum(c.error is not None for c in cases)),
        "skipped": str(sum(c.skipped is not None for c in cases)),
        "time": f"{sum(c.seconds for c in cases):.3f}",
    })
    for case in cases:
        element = ET.SubElement(node, "testcase", {
            "classname": suite, "name": case.name, "time": f"{case.seconds:.3f}"})
        if case.failure is not None:
            ET.SubElement(element, "failure", {"message": case.failure}).text = case.details
        if case.error is not None:
            ET.SubElement(element, "error", {"message": case.error}).text = case.details
        if case.skipped is not None:
            ET.SubElement(element, "skipped", {"message": case.skipped})
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
