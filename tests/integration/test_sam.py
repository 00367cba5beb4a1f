"""The SAM CLI's own checks: ``sam validate --lint`` and a real ``sam build`` with python3.12."""

import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from flashlab import REPO_ROOT


def find_sam() -> str | None:
    candidates = [os.environ.get("FLASHDEAL_SAM"), str(REPO_ROOT / ".venv-sam/bin/sam"), shutil.which("sam")]
    return next((c for c in candidates if c and Path(c).exists()), None)


def find_python312() -> str | None:
    """python3.12 on PATH, else under pyenv (pyenv's shim on PATH may refuse when 3.12 is not selected)."""
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = [shutil.which("python3.12"), *sorted(glob.glob(f"{pyenv_root}/versions/3.12*/bin/python3.12"))]
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "--version"], capture_output=True, check=False).returncode == 0:
            return candidate
    return None


SAM = find_sam()
PY312 = find_python312()
pytestmark = pytest.mark.skipif(SAM is None, reason="SAM CLI not installed (make install puts it in .venv-sam)")


def run_sam(*args: str, path_prefix: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    if path_prefix:
        env["PATH"] = f"{path_prefix}:{env['PATH']}"
    assert SAM is not None
    return subprocess.run(
        [SAM, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False, timeout=600
    )


def test_sam_validate_lint_is_clean():
    result = run_sam("validate", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


@pytest.mark.skipif(PY312 is None, reason="no python3.12 on PATH or under pyenv: sam build needs it")
def test_sam_build_succeeds(tmp_path):
    assert PY312 is not None
    result = run_sam(
        "build",
        "--build-dir",
        str(tmp_path / "build"),
        "--cache-dir",
        str(tmp_path / "cache"),
        path_prefix=str(Path(PY312).parent),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    built = tmp_path / "build"
    assert (built / "FlashDealLayer/python/flashdeal/settlement/single.py").exists()
    assert (built / "DependenciesLayer/python/psycopg").is_dir()
    # Graviton (arm64): the layer carries aarch64 builds of the compiled dependencies, whatever the build host
    assert list((built / "DependenciesLayer/python/psycopg_binary").glob("_psycopg.*-aarch64-linux-gnu.so"))
    assert list((built / "DependenciesLayer/python/pydantic_core").glob("*-aarch64-linux-gnu.so"))
    assert (built / "OrderWorkerFunction/app.py").exists()
    assert sorted(p.name for p in (built / "DbMigratorFunction/db/migrations").glob("*.sql")) == sorted(
        p.name for p in (REPO_ROOT / "db/migrations").glob("*.sql")
    )  # the migration function carries db/ (a link in its CodeUri)


def test_the_localstack_free_plan_template_validates(tmp_path):
    from flashlab.localstack import main as write_free_plan_template

    assert write_free_plan_template([str(tmp_path)]) == 0
    result = run_sam("validate", "--lint", "--template-file", str(tmp_path / "template.json"))
    assert result.returncode == 0, result.stdout + result.stderr
