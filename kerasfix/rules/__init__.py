"""The rule catalog, discovered: every module of this package whose name does not start with
an underscore (`_lift.py`, `_weights.py`: machinery several rules share) and that defines a
`RuleFamily` with rules is a rule module; `base.py` and `calls.py` define none.

Adding a rule is adding its module (and its fixtures): nothing here names it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from .base import Rule, RuleFamily


def _discover() -> tuple[RuleFamily, ...]:
    families: list[RuleFamily] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        families.extend(obj() for _, obj in inspect.getmembers(module, inspect.isclass)
                        if issubclass(obj, RuleFamily) and obj.__module__ == module.__name__ and obj.rules)
    return tuple(sorted(families, key=lambda family: family.rules[0].code))


FAMILIES: tuple[RuleFamily, ...] = _discover()

RULES: dict[str, Rule] = {rule.code: rule for family in FAMILIES for rule in family.rules}
