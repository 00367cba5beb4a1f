"""FlashDeal's shared package: domain rules, adapters and observability, shipped as a Lambda layer."""
