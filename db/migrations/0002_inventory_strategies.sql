-- Contention lab: each sale names the strategy its worker settles orders with.
-- naive, atomic and optimistic keep all stock in one row; sharded and batched spread it over shards.
ALTER TABLE sales
    ADD COLUMN strategy text NOT NULL DEFAULT 'sharded'
        CHECK (strategy IN ('naive', 'atomic', 'optimistic', 'sharded', 'batched')),
    ADD CONSTRAINT single_row_strategies_have_one_shard
        CHECK (strategy IN ('sharded', 'batched') OR shard_count = 1);

-- The optimistic strategy's row version: bumped by every change to the row.
ALTER TABLE inventory_shards ADD COLUMN version bigint NOT NULL DEFAULT 0;
