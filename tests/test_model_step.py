"""The model's step function on states no sequence of events reaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from duckybio.model import ModelConfig, Read, power_on, step
from duckybio.model import _transitions as transitions
from duckybio.model._state import BioState
from duckybio.spec.regmap import Flag, Reg


@pytest.mark.parametrize("flags", [Flag.RDY | Flag.BUSY, Flag.RDY | Flag.ERR | Flag.BUSY])
def test_a_state_whose_flags_have_no_phase_is_refused(flags: Flag) -> None:
    """RDY and BUSY together violate the invariants (SPEC section 3): ``step`` raises
    instead of classifying a transition from a phase that does not exist."""
    cfg = ModelConfig()
    state = power_on(cfg)
    bad = state._replace(bio=state.bio._replace(flags=int(flags)))
    with pytest.raises(ValueError, match="violate the invariants"):
        step(cfg, bad, Read(Reg.STATUS))


def test_the_model_updates_its_state_by_field_name() -> None:
    """Every controller field can be changed by name, type-checked; none by position."""
    source = (Path(transitions.__file__)).read_text()
    assert list(transitions._BioChanges.__annotations__) == list(BioState._fields)
    assert "range(11)" not in source and "bio[" not in source, "no positional slicing"
    bio = transitions._with(BioState(), cursor=4, wbuf=b"ab")
    assert bio == BioState()._replace(cursor=4, wbuf=b"ab")
