"""The docker-less embedded stack: moto, Postgres, and a thin emulation of Lambda, API Gateway and SQS triggers."""
