"""The registry and what is rendered from it: rule modules are discovered, in code order; the
rules table (the documentation site's rules index: tests/test_docs.py) and `kerasfix rules` come
from the rules' own metadata."""

from __future__ import annotations

import importlib
import pkgutil

import kerasfix.rules as rules_package
from kerasfix.rules import FAMILIES, RULES
from kerasfix.rules._catalog import listing
from kerasfix.rules.base import FixAvailability, RuleFamily, RuleSafety

def test_every_rule_module_is_discovered_and_nothing_else():
    """A module without a leading underscore that defines a RuleFamily with rules is a rule
    module, and one such family each: nothing else is, and none is missed."""
    families = {type(f).__module__ for f in FAMILIES}
    for info in pkgutil.iter_modules(rules_package.__path__):
        module = importlib.import_module(f"kerasfix.rules.{info.name}")
        defined = [obj for obj in vars(module).values() if isinstance(obj, type) and issubclass(obj, RuleFamily)
                   and obj.__module__ == module.__name__ and obj.rules]
        if info.name.startswith("_"):
            assert not defined, f"{info.name} is a helper module: it defines no rule"
        else:
            assert (module.__name__ in families) == bool(defined)
            assert len(defined) <= 1, f"{info.name}: one rule family per module"


def test_rules_are_in_code_order_with_unique_codes_and_names():
    codes = [rule.code for family in FAMILIES for rule in family.rules]
    assert codes == sorted(codes) == sorted(RULES)
    assert len({rule.name for rule in RULES.values()}) == len(RULES)


def test_a_rule_module_is_named_for_what_it_finds():
    """One rule per module, the module named after the rule (KF402's module predates its name)."""
    for family in FAMILIES:
        module = type(family).__module__.rsplit(".", 1)[-1]
        assert len(family.rules) == 1, module
        if family.rules[0].code != "KF402":
            assert module == family.rules[0].name.replace("-", "_")


def test_safety_and_fix_are_enums_that_agree():
    for rule in RULES.values():
        assert isinstance(rule.fix, FixAvailability) and isinstance(rule.safety, RuleSafety)
        assert (rule.fix is FixAvailability.NEVER) == (rule.safety is RuleSafety.NONE), rule.code
        assert (rule.safety is RuleSafety.DEPENDS) == bool(rule.safety_reason), rule.code


def test_listing_prints_every_rule_with_its_safety():
    lines = listing().splitlines()
    assert lines[0].split() == ["code", "name", "fix", "safety", "finds"]
    assert [line.split()[0] for line in lines[1:]] == sorted(RULES)
    kf401 = next(line for line in lines if line.startswith("KF401"))
    assert "sometimes  safe with one base class, else unsafe" in kf401
    kf001 = next(line for line in lines if line.startswith("KF001"))
    assert "never      none (report only)" in kf001
