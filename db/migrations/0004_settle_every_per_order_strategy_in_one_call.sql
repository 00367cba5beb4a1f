-- Every per-order strategy settles an order in one call (issue 12), each keeping its own way of taking
-- stock, so the phase-1 lesson is about locking, not about client round trips. The worker used to send
-- 8-9 statements per order (BEGIN, the replay check, SAVEPOINT, the buyer's reservation, the take, a
-- total, RELEASE, the order's INSERT, COMMIT), each a network wait and ~60 µs of Python; on its
-- autocommit connection this function is one statement, one transaction:
--   naive       SELECT ... FOR UPDATE, check, UPDATE: the row lock is held until the order commits;
--   atomic      one conditional UPDATE ... WHERE remaining >= q;
--   optimistic  read without a lock, UPDATE ... WHERE version = v, at most 8 attempts. Each attempt's
--               read is a new statement, so under READ COMMITTED it sees the latest committed version;
--   sharded     the shard the caller drew first, then across the shards in shard order (no deadlocks).
-- Returns the order's status and reason, whether the sale is now exhausted, whether this call only found
-- an earlier settlement (a redelivery), when it was settled, and the optimistic attempts that lost the
-- race. A rejection (window, purchase limit, sold out) undoes the reservation and any partial take (the
-- inner block is a subtransaction) and is recorded as a REJECTED order. Losing all 8 optimistic attempts
-- raises SQLSTATE FD004 (contention: SQS delivers it again); a lock timeout or a unique violation on the
-- order (a concurrent delivery committed first) is raised as the statements raised it before.
CREATE FUNCTION settle_order_in_one_call(
    p_strategy text, p_order uuid, p_sale uuid, p_user text, p_quantity int, p_key text,
    p_accepted timestamptz, p_now timestamptz, p_limit int, p_shards int, p_start int, p_open boolean
) RETURNS TABLE (status text, reason text, sold_out boolean, replayed boolean, settled_at timestamptz, retries int)
LANGUAGE plpgsql AS $$
DECLARE
    v_remaining int;
    v_version bigint;
    v_left int;
    v_taken int;
BEGIN
    RETURN QUERY SELECT o.status, o.reason, false, true, o.settled_at, 0 FROM orders o WHERE o.order_id = p_order;
    IF FOUND THEN
        RETURN;
    END IF;
    status := 'CONFIRMED'; reason := NULL; sold_out := false; replayed := false; settled_at := p_now; retries := 0;
    BEGIN
        IF NOT p_open THEN
            RAISE EXCEPTION USING ERRCODE = 'FD001';
        END IF;
        IF p_quantity > p_limit THEN
            RAISE EXCEPTION USING ERRCODE = 'FD002';
        END IF;
        INSERT INTO purchases (sale_id, user_id, purchased, purchase_limit)
        VALUES (p_sale, p_user, p_quantity, p_limit)
        ON CONFLICT (sale_id, user_id) DO UPDATE SET purchased = purchases.purchased + EXCLUDED.purchased
        WHERE purchases.purchased + EXCLUDED.purchased <= purchases.purchase_limit;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'FD002';
        END IF;
        IF p_strategy = 'naive' THEN
            SELECT i.remaining INTO v_remaining FROM inventory_shards i
            WHERE i.sale_id = p_sale AND i.shard_no = 0 FOR UPDATE;
            v_remaining := COALESCE(v_remaining, 0);
            IF v_remaining < p_quantity THEN
                sold_out := v_remaining = 0;
                RAISE EXCEPTION USING ERRCODE = 'FD003';
            END IF;
            UPDATE inventory_shards i SET remaining = v_remaining - p_quantity, version = i.version + 1
            WHERE i.sale_id = p_sale AND i.shard_no = 0;
            sold_out := v_remaining = p_quantity;
        ELSIF p_strategy = 'atomic' THEN
            UPDATE inventory_shards i SET remaining = i.remaining - p_quantity
            WHERE i.sale_id = p_sale AND i.shard_no = 0 AND i.remaining >= p_quantity
            RETURNING i.remaining INTO v_left;
            IF NOT FOUND THEN
                sold_out := (SELECT COALESCE(SUM(i.remaining), 0) FROM inventory_shards i WHERE i.sale_id = p_sale) = 0;
                RAISE EXCEPTION USING ERRCODE = 'FD003';
            END IF;
            sold_out := v_left = 0;
        ELSIF p_strategy = 'optimistic' THEN
            FOR attempt IN 0..7 LOOP
                SELECT i.remaining, i.version INTO v_remaining, v_version FROM inventory_shards i
                WHERE i.sale_id = p_sale AND i.shard_no = 0;
                v_remaining := COALESCE(v_remaining, 0);
                IF v_remaining < p_quantity THEN
                    retries := attempt;
                    sold_out := v_remaining = 0;
                    RAISE EXCEPTION USING ERRCODE = 'FD003';
                END IF;
                UPDATE inventory_shards i SET remaining = i.remaining - p_quantity, version = i.version + 1
                WHERE i.sale_id = p_sale AND i.shard_no = 0 AND i.version = v_version;
                IF FOUND THEN
                    retries := attempt;
                    sold_out := v_remaining = p_quantity;
                    EXIT;
                END IF;
                IF attempt = 7 THEN
                    RAISE EXCEPTION 'stale version 8 times in a row' USING ERRCODE = 'FD004';
                END IF;
            END LOOP;
        ELSIF p_strategy IN ('sharded', 'batched') THEN  -- batched settles here the orders it takes one by one
            UPDATE inventory_shards s SET remaining = s.remaining - p_quantity
            WHERE s.sale_id = p_sale AND s.shard_no = p_start AND s.remaining >= p_quantity
            RETURNING s.remaining INTO v_left;
            IF FOUND THEN
                sold_out := v_left = 0
                    AND (SELECT COALESCE(SUM(i.remaining), 0) FROM inventory_shards i WHERE i.sale_id = p_sale) = 0;
            ELSE
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
        ELSE
            RAISE EXCEPTION 'not a per-order strategy: %', p_strategy;
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
