"""docs/openapi.json is what the resolvers declare: regenerate it with `make openapi` when a route changes."""

import json
import subprocess
import sys

from flashlab import REPO_ROOT
from flashlab.openapi import DOCUMENT
from flashlab.rest_api import RestApi
from flashlab.template import Template


def test_the_document_is_up_to_date():
    done = subprocess.run(
        [sys.executable, "-m", "flashlab.openapi", "--check"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_the_document_has_every_route_the_gateway_serves():
    paths = json.loads(DOCUMENT.read_text())["paths"]
    served = {(r.method.lower(), r.path) for r in RestApi(Template()).routes() if r.method != "ANY"}
    documented = {(method, path) for path, methods in paths.items() for method in methods}
    assert served == documented
