"""Settlement: how a queued order becomes final. Read it in this order:

1. ``processor``   the worker's entry point: a Powertools BatchProcessor that settles the whole SQS batch in
                   Postgres when the batch starts, then hands each record its outcome;
2. ``batch``       groups the batch by sale, applies the window rule, picks the sale's strategy;
3. ``single``      each order in its own transaction (naive, atomic, optimistic, sharded), the sale's
                   orders of a batch in one call to Postgres, replay-safe;
   ``together``    every order of a batch for one sale in one transaction (the batched strategy);
4. ``status_sync`` the outcome written where buyers look (DynamoDB): status, units given back on a
                   rejection, the sold counter and flag. Idempotent, so a redelivery changes nothing.

Postgres access lives in ``flashdeal.adapters`` (``one_call_settlement``, ``order_ledger``, ``sale_rows``,
``bulk_stock``).
"""
