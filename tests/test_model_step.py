"""The model's step function on states no sequence of events reaches."""

from __future__ import annotations

import pytest

from duckybio.model import ModelConfig, Read, power_on, step
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
