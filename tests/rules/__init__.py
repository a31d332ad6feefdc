"""Rule tests: every rule and observable erratum of ``spec/SPEC.md`` pinned on every target.

One module a section of the specification.  A test replays the scenario (or
one case of it) that the golden vector of the same name records, through
:class:`~duckybio.kit._scenario.Session` on each target of
``tests/target_factories.py``: the answers the scenario pins are checked
there, and the test adds what only Python can check (whole-machine
snapshots, clock values, counts).
"""
