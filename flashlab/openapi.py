"""docs/openapi.json: the API as the Powertools resolvers declare it, one document for every function.

python -m flashlab.openapi          rewrites docs/openapi.json
python -m flashlab.openapi --check  exits 1 if docs/openapi.json is not what the code declares

Each HTTP function's module is imported with placeholder settings (no AWS call happens at import), and
its resolver's schema is merged into one document. The fuzz tier (tests/fuzz) reads this file.
"""

import argparse
import json
import sys
from typing import Any

from flashlab import REPO_ROOT
from flashlab.handlers import load_handler, module_key
from flashlab.moto import LOCAL_AWS_ENV
from flashlab.rest_api import RestApi
from flashlab.template import Template

DOCUMENT = REPO_ROOT / "docs" / "openapi.json"
PLACEHOLDERS = {
    **LOCAL_AWS_ENV,
    "SALES_TABLE": "SalesTable",
    "IDEMPOTENCY_TABLE": "IdempotencyTable",
    "ORDERS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/OrdersQueue",
    "DATABASE_URL": "postgresql://placeholder/flashdeal",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def build() -> dict[str, Any]:
    template = Template()
    functions = template.functions()
    document: dict[str, Any] = {}
    for name in sorted({route.function for route in RestApi(template).routes()}):
        load_handler(functions[name], PLACEHOLDERS)
        app = sys.modules[module_key(functions[name])].app
        part = json.loads(
            app.get_openapi_json_schema(
                title="FlashDeal",
                version="1.0",
                description="Flash sales: buyers place orders (202, settled asynchronously); admins create sales.",
            )
        )
        if not document:
            document = part
            continue
        document["paths"].update(part["paths"])
        document.setdefault("components", {}).setdefault("schemas", {}).update(
            part.get("components", {}).get("schemas", {})
        )
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flashlab.openapi", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if docs/openapi.json is out of date")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        if not DOCUMENT.exists() or DOCUMENT.read_text() != text:
            print(f"{DOCUMENT.relative_to(REPO_ROOT)} is out of date: run `make openapi`", file=sys.stderr)
            return 1
        print(f"{DOCUMENT.relative_to(REPO_ROOT)} is up to date")
        return 0
    DOCUMENT.write_text(text)
    print(f"wrote {DOCUMENT.relative_to(REPO_ROOT)} ({len(json.loads(text)['paths'])} paths)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
