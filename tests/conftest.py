"""Settings shared by every tier: fake AWS credentials and Powertools switched to local mode."""

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "flashdeal",
        "POWERTOOLS_METRICS_NAMESPACE": "FlashDeal",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_DEV": "false",
        "SALE_STATE_TTL_SECONDS": "0",  # see sold-out flags at once; the cache has its own tests
    }
)
