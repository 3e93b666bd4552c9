"""What a module's top-level bindings hand on to the modules that import them: a shim of
Keras (`from .compat import keras`), a class, a star re-export of Keras, a function a package's
`__init__` takes from one of its own modules. The index keeps them as aliases, by qualified
name, so that a base class or a helper imported through them is still found."""

from __future__ import annotations

from . import keras_api
from .names import ImportMap, canonical


def _may_lead_to_keras(target: str) -> bool:
    """Keras, TensorFlow, a class (`pkg.base.Block`) or a shim (`pkg.compat.keras`): the rest
    (os, numpy, the project's modules) tripled what every worker is sent, measured on
    tensor2tensor, and a module is reached through its own name anyway."""
    last = target.rsplit(".", 1)[-1]
    return (last[:1].isupper() or last in keras_api.KERAS_SHIM_NAMES
            or canonical(target).startswith(("keras", "tf.", "tf1.")) or canonical(target) == "tf")


def module_aliases(imports: ImportMap) -> dict[str, str]:
    """The module's top-level bindings that may lead to Keras, by qualified name, so that
    other modules importing them see what they are (`from .compat import keras`, where
    compat says `keras = _select_keras()`)."""
    if not imports.module_name:
        return {}
    found = _star_reexports(imports)
    for local, bound in imports.bindings.items():
        qualified = f"{imports.module_name}.{local}"
        target = _shim_target(local, bound, imports) or _package_reexport(local, bound, imports)
        if target is not None and target != qualified and not target.startswith(qualified + "."):
            found[qualified] = target
    return found


def _package_reexport(local: str, target: str, imports: ImportMap) -> str | None:
    """A package's `__init__` handing on a name of one of its own modules (`from .helpers import
    ffn`): `pkg.ffn` is `pkg.helpers.ffn`, so that KF206 finds the function `from pkg import
    ffn` calls. Only a package's, only names of its own modules, bound as the module runs: the
    table stays small (star re-exports are not followed: the names are the other module's)."""
    own = imports.is_package and target.startswith(imports.module_name + ".") and local not in imports.nested
    return target if own else None


def _shim_target(local: str, target: str, imports: ImportMap) -> str | None:
    """What a module-level binding hands on, when it may lead to Keras: itself; a project
    module bound as `keras` (keras-cv's `import keras_cv.src.backend.keras2 as keras`, a
    star re-export of Keras); for a name imported in several arms (`try: import extlayers as K`
    / `except ImportError: import pkg.fallback as K`), the first arm that leads to Keras, else
    the first (the `try` body, the `if` arm), so that `--keras-base extlayers.Layer` reaches
    `K.Layer`."""
    if _may_lead_to_keras(target):
        return target
    if local in keras_api.KERAS_SHIM_NAMES:
        return target
    arms = imports.alternatives.get(local)
    if not arms:
        return None
    return next((arm for arm in arms if _may_lead_to_keras(arm)), arms[0])


def _star_reexports(imports: ImportMap) -> dict[str, str]:
    """A module that star-imports Keras itself (`from tf_keras import *`, in any arm) hands on
    Keras's top-level names it does not bind itself: `pkg.compat.layers` -> `tf_keras.layers`."""
    found: dict[str, str] = {}
    for base in imports.star_imports:
        if canonical(base) != "keras":
            continue
        for name in sorted(keras_api.KERAS_TOP_LEVEL_NAMES):
            if name not in imports.bindings and name not in imports.local_names:
                found.setdefault(f"{imports.module_name}.{name}", f"{base}.{name}")
    return found
