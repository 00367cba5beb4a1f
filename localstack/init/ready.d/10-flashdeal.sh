#!/usr/bin/env bash
# LocalStack ready hook: the database secret the functions read (the same shape RDS creates).
# Inside the compose network the database is "postgres"; Lambda containers join that network.
set -euo pipefail
awslocal secretsmanager create-secret --name flashdeal-db \
  --secret-string '{"username":"flashdeal","password":"flashdeal","host":"postgres","port":5432,"dbname":"flashdeal"}' \
  >/dev/null 2>&1 || echo "flashdeal-db secret already exists"
echo "flashdeal: secret flashdeal-db ready"
