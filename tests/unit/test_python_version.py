"""The README says: Python 3.12, because 3.11 cannot parse the code; make refuses an older Python by name."""

import ast
import glob
import subprocess
import tomllib
from pathlib import Path

import pytest

from flashlab import REPO_ROOT

OLD_PYTHON = sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.11*/bin/python3.11")))


def test_the_project_requires_312():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.12"
    assert "Python 3.12" in (REPO_ROOT / "README.md").read_text()


def test_311_cannot_parse_the_layer():
    source = (REPO_ROOT / "layers/flashdeal/flashdeal/settlement/single.py").read_text()
    ast.parse(source, feature_version=(3, 12))
    with pytest.raises(SyntaxError):
        ast.parse(source, feature_version=(3, 11))


@pytest.mark.skipif(not OLD_PYTHON, reason="no python3.11 on this machine")
def test_make_refuses_311_and_names_the_fix(tmp_path):
    venv = tmp_path / "venv"
    done = subprocess.run(
        ["make", "-s", f"PYTHON={OLD_PYTHON[0]}", f"VENV={venv}", f"{venv}/bin/.installed"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "needs Python 3.12" in done.stdout
    assert "make PYTHON=/path/to/python3.12" in done.stdout
    assert not venv.exists()
