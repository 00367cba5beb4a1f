-- FlashDeal schema: sales, sharded inventory, per-buyer purchases and settled orders.
-- The constraints, not the code, are what make oversell and duplicates impossible.

CREATE TABLE sales (
    sale_id        uuid PRIMARY KEY,
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    inventory      integer     NOT NULL CHECK (inventory > 0),
    shard_count    integer     NOT NULL CHECK (shard_count BETWEEN 1 AND 1000),
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz,
    per_user_limit integer     NOT NULL CHECK (per_user_limit > 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (shard_count <= inventory),
    CHECK (ends_at IS NULL OR ends_at > starts_at)
);

-- One row per shard. `remaining` can never go below zero or above what the shard started with.
-- fillfactor leaves room on each page so the hot UPDATEs stay HOT (no index churn).
CREATE TABLE inventory_shards (
    sale_id   uuid    NOT NULL REFERENCES sales ON DELETE CASCADE,
    shard_no  integer NOT NULL CHECK (shard_no >= 0),
    initial   integer NOT NULL CHECK (initial >= 0),
    remaining integer NOT NULL CHECK (remaining >= 0),
    PRIMARY KEY (sale_id, shard_no),
    CHECK (remaining <= initial)
) WITH (fillfactor = 50);

-- What each buyer has bought in a sale; the limit is copied in so the database enforces it.
CREATE TABLE purchases (
    sale_id        uuid    NOT NULL REFERENCES sales ON DELETE CASCADE,
    user_id        text    NOT NULL,
    purchased      integer NOT NULL CHECK (purchased > 0),
    purchase_limit integer NOT NULL CHECK (purchase_limit > 0),
    PRIMARY KEY (sale_id, user_id),
    CHECK (purchased <= purchase_limit)
);

-- Only final outcomes are stored: an order is inserted once, in the transaction that settles it.
CREATE TABLE orders (
    order_id        uuid        PRIMARY KEY,
    sale_id         uuid        NOT NULL REFERENCES sales ON DELETE CASCADE,
    user_id         text        NOT NULL,
    quantity        integer     NOT NULL CHECK (quantity > 0),
    status          text        NOT NULL CHECK (status IN ('CONFIRMED', 'REJECTED')),
    reason          text,
    idempotency_key text        NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    accepted_at     timestamptz NOT NULL,
    settled_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sale_id, user_id, idempotency_key),
    CHECK ((status = 'REJECTED') = (reason IS NOT NULL))
);

CREATE INDEX orders_sale_status ON orders (sale_id, status);
