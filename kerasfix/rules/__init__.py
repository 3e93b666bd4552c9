"""The rule catalog: one module per family, each family one checker over a parsed module."""

from __future__ import annotations

from .base import Rule, RuleFamily
from .containers import ContainerRules
from .defaultdict_attribute import DefaultdictLayers
from .init_without_super import InitWithoutSuper
from .layer_class_attribute import LayerClassAttributes
from .layer_in_plain_holder import LayersInPlainHolders
from .layers import LayerRules
from .module_level_layer import ModuleLevelLayers
from .reserved_attribute import ReservedAttributes
from .tf1_rnn_cell import Tf1RnnCells
from .tf_module_in_layer import TfModuleInLayer
from .unused_ignore import UnusedIgnores
from .variable_in_nested_function import VariableInNestedFunction
from .weights import WeightRules

FAMILIES: tuple[RuleFamily, ...] = (WeightRules(), LayerRules(), ContainerRules(), InitWithoutSuper(),
                                    ReservedAttributes(), TfModuleInLayer(),
                                    VariableInNestedFunction(), DefaultdictLayers(),
                                    Tf1RnnCells(), LayerClassAttributes(),
                                    LayersInPlainHolders(), ModuleLevelLayers(), UnusedIgnores())

RULES: dict[str, Rule] = {rule.code: rule for family in FAMILIES for rule in family.rules}
