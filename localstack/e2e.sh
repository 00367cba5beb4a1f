#!/usr/bin/env bash
# make e2e-localstack: deploy template.yaml to LocalStack with samlocal and run tests/e2e by URL.
# Needs Docker: `docker compose -f localstack/docker-compose.yml up -d` first.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
endpoint=${LOCALSTACK_URL:-http://localhost:4566}
stack=flashdeal-local
if ! curl -fsS "$endpoint/_localstack/health" >/dev/null; then
  echo "LocalStack does not answer at $endpoint; run: docker compose -f localstack/docker-compose.yml up -d" >&2
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
echo "==> samlocal build + deploy ($stack)"
PATH="$PWD/.venv-sam/bin:$PATH" samlocal build
PATH="$PWD/.venv-sam/bin:$PATH" samlocal deploy --stack-name "$stack" --resolve-s3 --no-confirm-changeset \
  --capabilities CAPABILITY_IAM --parameter-overrides UseRdsProxy=false "DbSecretArn=$secret" \
  SubnetIds=subnet-00000000 SecurityGroupIds=sg-00000000
api=$(.venv/bin/python - <<PY
import boto3
outputs = boto3.client("cloudformation", endpoint_url="$endpoint").describe_stacks(StackName="$stack")["Stacks"][0]["Outputs"]
print(next(o["OutputValue"] for o in outputs if o["OutputKey"] == "ApiUrl"))
PY
)
echo "==> tests/e2e against $api"
FLASHDEAL_API_URL="$api" .venv/bin/pytest tests/e2e -q
