"""What de-identifying does to each DICOM attribute: PS3.15 Annex E, Table E.1-1.

``confidentiality.json`` beside this module is the table, regenerated from a
maintained machine-readable copy of the standard by
``scripts/regenerate_confidentiality.py`` (its provenance is in the file): for every
attribute, the Basic Application Level Confidentiality Profile's action and the
action each option takes instead. The actions (Table E.1-1a) are ``D`` (a dummy
value), ``Z`` (empty), ``X`` (removed), ``K`` (kept), ``C`` (cleaned), ``U`` (a
UID replaced consistently) and combinations such as ``X/Z`` (removed, unless the
object's IOD needs it present, then empty). This module only reads the table; it
imports no pydicom.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection
from dataclasses import dataclass
from importlib import resources

#: The table's format; any other is refused.
FORMAT = "orthoshare/confidentiality-table/1"
#: The rule every private attribute (odd group) follows.
PRIVATE = "PRIVATE"


@dataclass(frozen=True)
class Rule:
    """One row of Table E.1-1: an attribute, its Basic Profile action and each option's."""

    tag: str
    name: str
    basic: str
    options: dict[str, str]

    def action(self, chosen: Collection[str]) -> str:
        """The action under the options ``chosen``: the first chosen option, in the
        table's order of options, that says otherwise, or the Basic Profile's."""
        for option in _table().options:
            if option in chosen and option in self.options:
                return self.options[option]
        return self.basic


@dataclass(frozen=True)
class _Table:
    options: tuple[str, ...]
    by_tag: dict[str, Rule]
    repeating: tuple[Rule, ...]


@functools.cache
def _table() -> _Table:
    text = resources.files(__package__).joinpath("confidentiality.json").read_text("utf-8")
    data = json.loads(text)
    if data.get("format") != FORMAT:
        raise RuntimeError(f"confidentiality.json is not {FORMAT}")
    rules = [Rule(r["tag"], r["name"], r["basic"], r["options"]) for r in data["rules"]]
    return _Table(
        tuple(data["options"]),
        {rule.tag: rule for rule in rules if "x" not in rule.tag},
        tuple(rule for rule in rules if "x" in rule.tag),
    )


def rule_for(tag: int) -> Rule | None:
    """The rule of the attribute ``tag`` (``0xGGGGEEEE``), None if the table names none.

    Repeating groups (``60xx3000``: overlays, ``50xxxxxx``: curves) match every group
    of their range; every private attribute follows the table's private rule.
    """
    table = _table()
    text = f"{tag:08X}"
    if (tag >> 16) % 2:
        return table.by_tag[PRIVATE]
    if (found := table.by_tag.get(text)) is not None:
        return found
    for rule in table.repeating:
        if all(want in ("x", have) for want, have in zip(rule.tag, text, strict=True)):
            return rule
    return None
