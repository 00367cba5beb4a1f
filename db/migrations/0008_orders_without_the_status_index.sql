-- Every order's INSERT wrote three indexes; this one served no query the others do not. The queries that
-- read a sale's orders by status (the invariants, the stock audit, the lab's counts) filter on sale_id,
-- which the unique (sale_id, user_id, idempotency_key) index leads with; the audit reads every sale
-- and scans the table either way. One btree insert and one WAL record fewer per settled order.
DROP INDEX orders_sale_status;
