-- Settling one sharded order in one round trip (issue 12). The worker used to send 8-9 statements per
-- order (BEGIN, the replay check, SAVEPOINT, the buyer's reservation, the shard's UPDATE, the sale's
-- total, RELEASE, the order's INSERT, COMMIT), each a network wait and ~60 µs of Python. This function
-- does the same steps, with the same locks, in one call: the worker's autocommit connection runs it as
-- one statement, one transaction.
--
-- Returns the order's outcome: its status and reason, whether the sale is now exhausted, whether this
-- call only found an earlier settlement (a redelivery), and when it was settled. A rejection (sale not
-- open, purchase limit, sold out) undoes the reservation and any partial take (the inner block is a
-- subtransaction) and is recorded as a REJECTED order. A lock timeout or a unique violation on the
-- order (a concurrent delivery committed first) is raised, as the statements raised it before.
CREATE FUNCTION settle_sharded_order(
    p_order uuid, p_sale uuid, p_user text, p_quantity int, p_key text, p_accepted timestamptz,
    p_now timestamptz, p_limit int, p_shards int, p_start int, p_open boolean
) RETURNS TABLE (status text, reason text, sold_out boolean, replayed boolean, settled_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    v_left int;
    v_taken int;
BEGIN
    RETURN QUERY SELECT o.status, o.reason, false, true, o.settled_at FROM orders o WHERE o.order_id = p_order;
    IF FOUND THEN
        RETURN;
    END IF;
    status := 'CONFIRMED'; reason := NULL; sold_out := false; replayed := false; settled_at := p_now;
    BEGIN
        IF NOT p_open THEN
            RAISE EXCEPTION USING ERRCODE = 'FD001';  -- accepted outside the sale's window
        END IF;
        IF p_quantity > p_limit THEN
            RAISE EXCEPTION USING ERRCODE = 'FD002';  -- the quantity exceeds the per-user limit
        END IF;
        INSERT INTO purchases (sale_id, user_id, purchased, purchase_limit)
        VALUES (p_sale, p_user, p_quantity, p_limit)
        ON CONFLICT (sale_id, user_id) DO UPDATE SET purchased = purchases.purchased + EXCLUDED.purchased
        WHERE purchases.purchased + EXCLUDED.purchased <= purchases.purchase_limit;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'FD002';  -- this buyer has reached the sale's purchase limit
        END IF;
        -- A random shard first (the caller draws p_start), as take_sharded did.
        UPDATE inventory_shards s SET remaining = s.remaining - p_quantity
        WHERE s.sale_id = p_sale AND s.shard_no = p_start AND s.remaining >= p_quantity
        RETURNING s.remaining INTO v_left;
        IF FOUND THEN
            sold_out := v_left = 0
                AND (SELECT COALESCE(SUM(i.remaining), 0) FROM inventory_shards i WHERE i.sale_id = p_sale) = 0;
        ELSE
            -- That shard is short: lock every shard with stock in shard order (no deadlocks), take across them.
            WITH locked AS MATERIALIZED (
                SELECT i.shard_no, i.remaining FROM inventory_shards i
                WHERE i.sale_id = p_sale AND i.remaining > 0 ORDER BY i.shard_no FOR UPDATE
            ), plan AS (
                SELECT l.shard_no, LEAST(l.remaining, p_quantity - COALESCE(SUM(l.remaining) OVER (
                    ORDER BY l.shard_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS take
                FROM locked l
            ), took AS (
                UPDATE inventory_shards s SET remaining = s.remaining - p.take
                FROM plan p WHERE s.sale_id = p_sale AND s.shard_no = p.shard_no AND p.take > 0
                RETURNING p.take
            )
            SELECT COALESCE(SUM(t.take), 0), (SELECT COALESCE(SUM(l.remaining), 0) FROM locked l)
            INTO v_taken, v_left FROM took t;
            IF v_taken < p_quantity THEN
                sold_out := v_taken = 0;  -- nothing left at all; a partial take is undone with the block
                RAISE EXCEPTION USING ERRCODE = 'FD003';
            END IF;
            sold_out := v_left - v_taken = 0;
        END IF;
    EXCEPTION
        WHEN SQLSTATE 'FD001' THEN status := 'REJECTED'; reason := 'sale_not_active';
        WHEN SQLSTATE 'FD002' THEN status := 'REJECTED'; reason := 'purchase_limit_reached';
        WHEN SQLSTATE 'FD003' THEN status := 'REJECTED'; reason := 'sold_out';
    END;
    INSERT INTO orders (order_id, sale_id, user_id, quantity, status, reason, idempotency_key, accepted_at, settled_at)
    VALUES (p_order, p_sale, p_user, p_quantity, status, reason, p_key, p_accepted, p_now);
    RETURN NEXT;
END;
$$;
