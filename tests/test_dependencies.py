"""pyproject.toml and environment.yml list the same runtime packages."""

from __future__ import annotations

import re
import tomllib

import yaml

# conda-forge names that differ from PyPI names
CONDA_TO_PYPI = {"python-duckdb": "duckdb"}


def _name_and_spec(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(3).replace(" ", "")


def test_runtime_dependencies_agree(project_root):
    pyproject = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))
    py = dict(_name_and_spec(r) for r in pyproject["project"]["dependencies"])
    env = yaml.safe_load((project_root / "environment.yml").read_text(encoding="utf-8"))
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict) or dep.startswith(("python>", "python=", "pip")):
            if isinstance(dep, str) and dep.startswith("pip") and not dep.startswith("pip:"):
                continue
            continue
        name, spec = _name_and_spec(dep)
        conda[CONDA_TO_PYPI.get(name, name)] = spec
    assert conda == py


def test_environment_installs_the_project_with_its_extras(project_root):
    env = yaml.safe_load((project_root / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pyproject = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))
    extras = set(pyproject["project"]["optional-dependencies"])
    m = re.match(r"-e \.\[(.*)\]", pip[0])
    assert m and set(m.group(1).split(",")) == extras
