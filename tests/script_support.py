"""The programs of scripts/ as modules, for tests that call their functions (the corpus
generators, the load test, the entity scorer)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def load_script(name: str):
    """scripts/<name>.py as the module `name`, loaded once. It is registered in sys.modules
    (dataclasses resolve their module by name), and scripts/ goes on the path so the scripts'
    own imports of each other (`import make_corpus`) work as when they are run."""
    if name in sys.modules:
        return sys.modules[name]
    if str(SCRIPTS) not in sys.path:
        sys.path.append(str(SCRIPTS))
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
