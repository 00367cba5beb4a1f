#!/usr/bin/env bash
# make e2e-localstack: deploy template.yaml to LocalStack's free plan with samlocal, run tests/e2e by URL.
# Needs Docker and a LocalStack auth token (a free account's will do):
#   LOCALSTACK_AUTH_TOKEN=... docker compose -f localstack/docker-compose.yml up -d
# The free plan has no Lambda layers, Cognito, API Gateway authorizers, WAF or RDS Proxy, so this deploys
# Stage=local (buyer routes without an authorizer; the API takes X-User-Id) and UseRdsProxy=false, from
# the layer-free variant of the template that flashlab.localstack writes. See docs/local.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
endpoint=${LOCALSTACK_URL:-http://localhost:4566}
stack=flashdeal-local
if ! curl -fsS "$endpoint/_localstack/health" >/dev/null; then
  echo "LocalStack does not answer at $endpoint; run:" >&2
  echo "  LOCALSTACK_AUTH_TOKEN=<token> docker compose -f localstack/docker-compose.yml up -d" >&2
  exit 1
fi
.venv-sam/bin/pip install -q aws-sam-cli-local >/dev/null
secret=$(.venv/bin/python - <<PY
import boto3
print(boto3.client("secretsmanager", endpoint_url="$endpoint").describe_secret(SecretId="flashdeal-db")["ARN"])
PY
)
echo "==> migrations (the deploy runner) against the compose Postgres"
DATABASE_URL=postgresql://flashdeal:flashdeal@localhost:5432/flashdeal .venv/bin/python -m db.migrate
echo "==> the free-plan template (layers folded into each function)"
template=$(.venv/bin/python -m flashlab.localstack .flashlab/localstack)
echo "==> samlocal build + deploy ($stack, Stage=local)"
PATH="$PWD/.venv-sam/bin:$PATH" samlocal build --template-file "$template" --build-dir .flashlab/localstack/build
PATH="$PWD/.venv-sam/bin:$PATH" samlocal deploy --template-file .flashlab/localstack/build/template.yaml \
  --stack-name "$stack" --resolve-s3 --no-confirm-changeset --capabilities CAPABILITY_IAM \
  --parameter-overrides Stage=local UseRdsProxy=false WafRequestsPerClient=0 "DbSecretArn=$secret" \
  SubnetIds=subnet-00000000 SecurityGroupIds=sg-00000000
api_id=$(.venv/bin/python - <<PY
import boto3
outputs = boto3.client("cloudformation", endpoint_url="$endpoint").describe_stacks(StackName="$stack")["Stacks"][0]["Outputs"]
print(next(o["OutputValue"] for o in outputs if o["OutputKey"] == "RestApiId"))
PY
)
api="$endpoint/_aws/execute-api/$api_id/local"
echo "==> tests/e2e against $api"
# The free plan does not enforce AWS_IAM: the tests that expect a refused admin call are skipped.
FLASHDEAL_API_URL="$api" FLASHDEAL_IAM_UNENFORCED=1 .venv/bin/pytest tests/e2e -q
