"""The LocalStack free-plan deployment: template.yaml, with what that plan lacks folded away.

LocalStack's free plan runs Lambda functions but not Lambda layers (a paid feature), and has no Cognito,
no API Gateway authorizers, no WAF and no RDS Proxy. ``Stage=local``, ``UseRdsProxy=false`` and
``WafRequestsPerClient=0`` take care of the last four in the template itself. The layers are folded here:
each function's package gets the ``flashdeal`` package and the dependencies layer's requirements.txt, and
the template drops its layers. Nothing else changes, so LocalStack runs the same handlers and resources.

``python -m flashlab.localstack [OUT_DIR]`` writes OUT_DIR/template.json (default .flashlab/localstack).
"""

import copy
import json
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from flashlab import REPO_ROOT
from flashlab.template import Template, load_template

PARAMETERS = {"Stage": "local", "UseRdsProxy": "false", "WafRequestsPerClient": "0"}
DEFAULT_OUT = REPO_ROOT / ".flashlab" / "localstack"
_PACKAGE = REPO_ROOT / "layers" / "flashdeal" / "flashdeal"
_REQUIREMENTS = REPO_ROOT / "layers" / "dependencies" / "requirements.txt"


def free_plan_template(out_dir: Path) -> dict[str, Any]:
    """The layer-free template, with each function's folded package staged under ``out_dir``."""
    doc = copy.deepcopy(load_template())
    resources = doc["Resources"]
    for name in [n for n, r in resources.items() if r["Type"] == "AWS::Serverless::LayerVersion"]:
        del resources[name]
    doc["Globals"]["Function"].pop("Layers", None)
    # LocalStack runs functions in containers of the host's architecture (arm64 on x86 needs emulation).
    doc["Globals"]["Function"]["Architectures"] = ["arm64" if platform.machine() in ("arm64", "aarch64") else "x86_64"]
    # The compose file's Postgres is migrated by localstack/e2e.sh: no migration function, so no custom resource.
    for name in ("DbMigratorFunction", "DbMigratorLogs", "MigrateDatabase"):
        del resources[name]
    for name, spec in Template().functions().items():
        if name not in resources:
            continue
        staged = out_dir / name
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(spec.code_dir, staged, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(_PACKAGE, staged / "flashdeal", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(_REQUIREMENTS, staged / "requirements.txt")
        resources[name]["Properties"]["CodeUri"] = str(staged)
    return doc


def deployed_types(doc: dict[str, Any], parameters: dict[str, Any]) -> dict[str, str]:
    """{logical id: CloudFormation type} of what a deploy of this SAM template with these parameters
    creates: SAM's own transform (as CloudFormation runs it), then the Conditions applied."""
    translated = sam_translate(doc, parameters)
    template = Template(parameters, doc=translated)
    return {name: r["Type"] for name, r in translated["Resources"].items() if template.exists(name)}


def sam_translate(doc: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation template SAM's transform makes of ``doc`` with these parameters."""
    from samtranslator.translator.transform import transform  # dev-only dependency

    source = json.loads(json.dumps(doc))
    for resource in source["Resources"].values():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = "s3://bucket/key"  # what `sam package` puts there
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return dict(transform(source, dict(parameters), _NoManagedPolicies()))


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else DEFAULT_OUT
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "template.json"
    target.write_text(json.dumps(free_plan_template(out_dir), indent=1))
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
