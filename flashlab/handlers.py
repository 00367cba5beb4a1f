"""Loads a function's handler the way Lambda does: its CodeUri on sys.path, the layer's package importable.

Every function's module is called ``app``; each is loaded under its own name so several live in one process.
"""

import importlib.util
import os
import sys
from collections.abc import Callable
from typing import Any

from flashlab.template import FunctionSpec

Handler = Callable[[dict[str, Any], Any], Any]


def load_handler(spec: FunctionSpec, environment: dict[str, str] | None = None) -> Handler:
    """Sets the function's environment (its cold start reads it), imports the module, returns the handler."""
    os.environ.update(environment or {})
    module_name, _, attribute = spec.handler.rpartition(".")
    unique = module_key(spec)
    path = spec.code_dir / (module_name.replace(".", "/") + ".py")
    module_spec = importlib.util.spec_from_file_location(unique, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[unique] = module
    module_spec.loader.exec_module(module)
    return getattr(module, attribute)


def module_key(spec: FunctionSpec) -> str:
    """The ``sys.modules`` name a function's handler module is loaded under."""
    return f"flashdeal_fn_{spec.name}_{spec.handler.rpartition('.')[0]}"
