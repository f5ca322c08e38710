"""The house rules of docs/architecture.md: stages import one way and nothing imports in a
circle (import-linter's contracts in pyproject.toml), and every top-level module of the package
has its place in that order."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
PACKAGE = PROJECT / "satisfaction_pipeline"


def _contracts() -> list[dict]:
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def test_imports_keep_the_contracts() -> None:
    """`lint-imports` names the import that breaks a contract, and the chain that leads to it."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=PROJECT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in result.stdout


def test_every_module_has_its_place_in_the_layers() -> None:
    """A new package or top-level module must be placed in the order, or nothing checks it."""
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    modules = {
        f"satisfaction_pipeline.{path.stem if path.is_file() else path.name}"
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    assert modules - placed == set(), "add these to the layers of pyproject.toml"
