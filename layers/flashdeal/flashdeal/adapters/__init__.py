"""Edge adapters: DynamoDB, SQS and Postgres. Each takes an optional client or connection."""
