#!/usr/bin/env bash
# For `sam local start-api --env-vars localstack/env.json`: the template's tables and queues on LocalStack,
# under the names env.json uses, created from template.yaml's own properties.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m flashlab.resources --endpoint "${LOCALSTACK_URL:-http://localhost:4566}"
