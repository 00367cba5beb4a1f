-- The single-column CHECKs of the three tables every order writes become domains; every rule stays.
--
-- Postgres re-reads a table's CHECK constraints for every statement that writes the table: it parses
-- each stored expression tree, plans it and builds it again (ExecRelCheck), and an UPDATE checks all of
-- them, whichever column it changed. For one order that was 11 constraints, ~5.9 KB of node trees:
-- about 16% of the backend's CPU per order (perf, one connection settling batches of ten). A domain's
-- rules are parsed and planned once per backend and kept in its type cache; a statement only checks
-- the columns it assigns (an UPDATE of `remaining` no longer checks `shard_no` or `initial`).
--
-- The rules that compare two columns cannot be domains and stay table CHECKs: remaining <= initial,
-- purchased <= purchase_limit, and a REJECTED order has a reason. Clients see the base types (Postgres
-- describes a domain column by its base type), and a violation is still SQLSTATE 23514 (check_violation).
-- Changing a column's type to a domain with rules rewrites the table once, under an exclusive lock.

CREATE DOMAIN units AS integer CHECK (VALUE > 0);                 -- an order's quantity, a buyer's count and limit
CREATE DOMAIN stock AS integer CHECK (VALUE >= 0);                -- a shard's units: what it started with, what is left
CREATE DOMAIN shard_number AS integer CHECK (VALUE >= 0);
CREATE DOMAIN order_status AS text CHECK (VALUE IN ('CONFIRMED', 'REJECTED'));
CREATE DOMAIN idempotency_key AS text CHECK (length(VALUE) BETWEEN 1 AND 128);

ALTER TABLE inventory_shards
    DROP CONSTRAINT inventory_shards_shard_no_check,
    DROP CONSTRAINT inventory_shards_initial_check,
    DROP CONSTRAINT inventory_shards_remaining_check,
    ALTER COLUMN shard_no TYPE shard_number,
    ALTER COLUMN initial TYPE stock,
    ALTER COLUMN remaining TYPE stock;

ALTER TABLE purchases
    DROP CONSTRAINT purchases_purchased_check,
    DROP CONSTRAINT purchases_purchase_limit_check,
    ALTER COLUMN purchased TYPE units,
    ALTER COLUMN purchase_limit TYPE units;

ALTER TABLE orders
    DROP CONSTRAINT orders_quantity_check,
    DROP CONSTRAINT orders_status_check,
    DROP CONSTRAINT orders_idempotency_key_check,
    ALTER COLUMN quantity TYPE units,
    ALTER COLUMN status TYPE order_status,
    ALTER COLUMN idempotency_key TYPE idempotency_key;
