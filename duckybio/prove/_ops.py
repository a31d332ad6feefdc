"""Two readings of one encoding: concrete Python values, or z3 terms.

The encoding of the model (:mod:`._encoding`) is written once against
:class:`Ops`.  With :data:`CONCRETE` it computes the successor of a concrete
state with Python integers and booleans (what the differential test compares
with ``model.step``); with :data:`SYMBOLIC` the very same code builds the z3
formula the prover reasons about.  Integers are exact (z3 ``Int``, Python
``int``), the flags and STATUS values are 32-bit words (z3 ``BitVec(32)``,
Python ``int`` below 2**32) — so nothing wraps unless the encoding says so.
"""

from __future__ import annotations

from typing import Any, Final

import z3

#: A value of either reading: a Python int or bool, or a z3 expression.
Term = Any


class Ops:
    """The operations the encoding needs beyond Python's operators (concrete)."""

    symbolic: bool = False

    def ite(self, cond: Term, then: Term, other: Term) -> Term:
        return then if cond else other

    def all(self, *conds: Term) -> Term:
        return all(conds)

    def any(self, *conds: Term) -> Term:
        return any(conds)

    def not_(self, cond: Term) -> Term:
        return not cond

    def implies(self, a: Term, b: Term) -> Term:
        return (not a) or bool(b)

    def word(self, value: Term) -> Term:
        """A u32 integer as a 32-bit word (for bit tests)."""
        return value

    def integer(self, value: int) -> Term:
        return value

    def boolean(self, value: bool) -> Term:
        return value

    def max(self, a: Term, b: Term) -> Term:
        return a if a >= b else b


class Z3Ops(Ops):
    """The same operations, building z3 terms."""

    symbolic = True

    def ite(self, cond: Term, then: Term, other: Term) -> Term:
        return z3.If(cond, then, other)

    def all(self, *conds: Term) -> Term:
        return z3.And(*conds)

    def any(self, *conds: Term) -> Term:
        return z3.Or(*conds)

    def not_(self, cond: Term) -> Term:
        return z3.Not(cond)

    def implies(self, a: Term, b: Term) -> Term:
        return z3.Implies(a, b)

    def word(self, value: Term) -> Term:
        return value if z3.is_bv(value) else z3.Int2BV(value, 32)

    def integer(self, value: int) -> Term:
        return z3.IntVal(value)

    def boolean(self, value: bool) -> Term:
        return z3.BoolVal(value)

    def max(self, a: Term, b: Term) -> Term:
        return z3.If(a >= b, a, b)


CONCRETE: Final = Ops()
SYMBOLIC: Final = Z3Ops()
