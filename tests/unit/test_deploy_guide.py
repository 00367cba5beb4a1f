"""Every `make` command the deploy guide and the README give is a target the Makefile has."""

import re

import pytest

from flashlab import REPO_ROOT

TARGETS = set(re.findall(r"^([a-z0-9-]+):", (REPO_ROOT / "Makefile").read_text(), re.M))


@pytest.mark.parametrize("page", ["docs/deploy.md", "README.md", "docs/runbook.md"])
def test_every_make_command_in_the_page_is_a_makefile_target(page):
    text = (REPO_ROOT / page).read_text()
    named = set(re.findall(r"`make ([a-z][a-z0-9-]*)", text)) | set(re.findall(r"^make ([a-z][a-z0-9-]*)", text, re.M))
    assert named, f"{page} names no make target"
    assert named <= TARGETS, f"{page} names targets the Makefile lacks: {sorted(named - TARGETS)}"
