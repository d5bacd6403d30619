from __future__ import annotations

from types import MappingProxyType

from prototyper.core.preset.preset_io import loads_preset
from prototyper.core.preset.schema import Preset

from .small_preset import SMALL


def with_citations(sources: dict, assumptions: dict) -> Preset:
    p = loads_preset(SMALL)
    return Preset(
        **{
            **{f: getattr(p, f) for f in p.__dataclass_fields__},
            "sources": MappingProxyType(sources),
            "assumptions": MappingProxyType(assumptions),
        }
    )


def test_citation_uses_the_most_specific_covering_key():
    p = with_citations(
        {"response.modes.prompt": "Egelman 2008", "response": "general"},
        {"response.modes.prompt.habituation": "guess"},
    )
    assert p.citation("response.modes.prompt.act_if_positive.low") == "Source: Egelman 2008"
    assert p.citation("response.trust_matching") == "Source: general"
    assert p.citation("response.modes.prompt.habituation") == (
        "Source: Egelman 2008\nAssumption: guess"
    )
    assert p.citation("response.modes.promptx") == "Source: general"
    assert p.citation("payoffs.currency") == ""
