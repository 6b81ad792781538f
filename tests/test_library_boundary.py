"""The library boundary: ``explorer`` never imports streamlit.

Pages import the library, never the other way round, so every module under
``explorer/`` (the engine included) must import and work in a process where
streamlit does not exist: a fresh interpreter whose import system refuses
``streamlit`` imports every module of the package, found by walking it with
pkgutil. The static rules (no import statement naming streamlit, the layers)
are import-linter contracts in pyproject.toml, which `lint-imports` checks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "explorer"

# Runs in a child interpreter with the repository root as its working folder.
# Prints one JSON object: the modules imported, the ones that failed (with their
# traceback), every attempt to import streamlit, and whether it got loaded.
_IMPORT_ALL = r"""
import importlib
import importlib.abc
import json
import pkgutil
import sys
import traceback

PACKAGE = sys.argv[1]
blocked = []


class BlockStreamlit(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "streamlit" or fullname.startswith("streamlit."):
            blocked.append(fullname)
            raise ImportError(f"streamlit is not available to {PACKAGE}: {fullname}")
        return None


sys.meta_path.insert(0, BlockStreamlit())
sys.modules.pop("streamlit", None)

imported, failed = [], {}


def record_failure(name):
    failed[name] = traceback.format_exc()


try:
    package = importlib.import_module(PACKAGE)
    imported.append(PACKAGE)
except BaseException:
    record_failure(PACKAGE)
else:
    for info in pkgutil.walk_packages(package.__path__, PACKAGE + ".", onerror=record_failure):
        if info.name.rpartition(".")[2] == "__main__":
            continue  # importing a __main__ module runs the program
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except BaseException:
            record_failure(info.name)

print(json.dumps({
    "imported": imported,
    "failed": failed,
    "blocked": blocked,
    "streamlit_loaded": sorted(m for m in sys.modules if m.split(".")[0] == "streamlit"),
}))
"""


def import_all_without_streamlit(root: Path, package: str = PACKAGE) -> dict[str, Any]:
    """Import every module of ``package`` under ``root`` with streamlit blocked."""
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, package],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, f"import check crashed:\n{proc.stdout}\n{proc.stderr}"
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_every_module_imports_without_streamlit() -> None:
    result = import_all_without_streamlit(REPO_ROOT)
    failures = "\n".join(f"--- {name}\n{tb}" for name, tb in result["failed"].items())
    assert not failures, f"modules that fail to import without streamlit:\n{failures}"
    assert not result["blocked"], f"{PACKAGE} tried to import {result['blocked']}"
    assert not result["streamlit_loaded"], f"streamlit got loaded: {result['streamlit_loaded']}"
    assert PACKAGE in result["imported"]
    assert len(result["imported"]) > 1, "walked no modules"
