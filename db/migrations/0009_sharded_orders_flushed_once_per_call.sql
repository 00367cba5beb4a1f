-- settle_orders_one_by_one (0007), with one change: the spread strategies (sharded, and batched's
-- one-by-one rejections) flush the WAL once per call instead of once per order.
--
-- Each order is still its own transaction, committed before the next starts, and takes and gives back its
-- locks as before. What changes is when a commit waits for the disk: each order commits with
-- synchronous_commit off, and the call ends with a transaction that writes one WAL record and commits
-- synchronously. The WAL is flushed in order, so that one flush makes every commit before it durable:
-- the call's own orders, and anything the call read that other sessions committed. Nothing leaves
-- Postgres before it (the worker reports outcomes only when the CALL returns), so every order a worker
-- reports is durable; a crash before the flush loses only orders nobody was told about, and SQS delivers
-- those again.
--
-- naive, atomic and optimistic keep a flush per order: on their one hot row, the lock is held through
-- the flush, which is the collapse the lab shows (docs/lab, phase 1). Sharded spreads its orders over
-- many rows, so the flush wait, not a lock, was what each order queued on: one connection flushed ten
-- times per batch of ten, ~120 µs of Postgres CPU and a sleep per order (decision log, 2026-11-23).
-- The body is otherwise 0007's, unchanged.
CREATE OR REPLACE PROCEDURE settle_orders_one_by_one(
    p_strategy text, p_sale uuid, p_limit int, p_shards int, p_now timestamptz,
    p_orders json, p_open boolean[],
    INOUT statuses text[] DEFAULT NULL, INOUT reasons text[] DEFAULT NULL, INOUT sold_outs boolean[] DEFAULT NULL,
    INOUT replays boolean[] DEFAULT NULL, INOUT settled_ats timestamptz[] DEFAULT NULL,
    INOUT retries int[] DEFAULT NULL, INOUT failures text[] DEFAULT NULL
)
LANGUAGE plpgsql AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
    v_last_start interval := current_setting('statement_timeout')::interval
        - 2 * current_setting('lock_timeout')::interval;
    v_unbounded boolean := current_setting('statement_timeout')::interval = interval '0';
    v_count int := json_array_length(p_orders);
    o record;
    i int := 0;
    v_status text;
    v_reason text;
    v_settled timestamptz;
    v_sold_out boolean;
    v_retries int;
    v_remaining int;
    v_version bigint;
    v_left int;
    v_taken int;
    v_start int;
    v_flush_per_call boolean := p_strategy IN ('sharded', 'batched');
BEGIN
    statuses := array_fill(NULL::text, ARRAY[v_count]);
    reasons := statuses;
    failures := statuses;
    sold_outs := array_fill(false, ARRAY[v_count]);
    replays := sold_outs;
    settled_ats := array_fill(NULL::timestamptz, ARRAY[v_count]);
    retries := array_fill(0, ARRAY[v_count]);
    FOR o IN SELECT * FROM json_to_recordset(p_orders) AS m(
        order_id uuid, user_id text, quantity int, idempotency_key text, accepted_at timestamptz)
    LOOP
        i := i + 1;
        IF v_flush_per_call THEN  -- this order's COMMIT does not wait for the disk; the call's last one does
            PERFORM set_config('synchronous_commit', 'off', true);
        END IF;
        EXIT WHEN i > 1 AND NOT v_unbounded AND clock_timestamp() - v_started > v_last_start;
        SELECT s.status, s.reason, s.settled_at INTO v_status, v_reason, v_settled
        FROM orders s WHERE s.order_id = o.order_id;
        IF FOUND THEN
            statuses[i] := v_status; reasons[i] := v_reason; settled_ats[i] := v_settled; replays[i] := true;
            CONTINUE;
        END IF;
        v_reason := NULL; v_sold_out := false; v_retries := 0;
        BEGIN
            IF NOT p_open[i] THEN
                RAISE EXCEPTION USING ERRCODE = 'FD001';
            END IF;
            IF o.quantity > p_limit THEN
                RAISE EXCEPTION USING ERRCODE = 'FD002';
            END IF;
            INSERT INTO purchases (sale_id, user_id, purchased, purchase_limit)
            VALUES (p_sale, o.user_id, o.quantity, p_limit)
            ON CONFLICT (sale_id, user_id) DO UPDATE SET purchased = purchases.purchased + EXCLUDED.purchased
            WHERE purchases.purchased + EXCLUDED.purchased <= purchases.purchase_limit;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'FD002';
            END IF;
            IF p_strategy = 'naive' THEN
                SELECT s.remaining INTO v_remaining FROM inventory_shards s
                WHERE s.sale_id = p_sale AND s.shard_no = 0 FOR UPDATE;
                v_remaining := COALESCE(v_remaining, 0);
                IF v_remaining < o.quantity THEN
                    v_sold_out := v_remaining = 0;
                    RAISE EXCEPTION USING ERRCODE = 'FD003';
                END IF;
                UPDATE inventory_shards s SET remaining = v_remaining - o.quantity, version = s.version + 1
                WHERE s.sale_id = p_sale AND s.shard_no = 0;
                v_sold_out := v_remaining = o.quantity;
            ELSIF p_strategy = 'atomic' THEN
                UPDATE inventory_shards s SET remaining = s.remaining - o.quantity
                WHERE s.sale_id = p_sale AND s.shard_no = 0 AND s.remaining >= o.quantity
                RETURNING s.remaining INTO v_left;
                IF NOT FOUND THEN
                    v_sold_out := (SELECT COALESCE(SUM(s.remaining), 0) FROM inventory_shards s
                                   WHERE s.sale_id = p_sale) = 0;
                    RAISE EXCEPTION USING ERRCODE = 'FD003';
                END IF;
                v_sold_out := v_left = 0;
            ELSIF p_strategy = 'optimistic' THEN
                FOR attempt IN 0..7 LOOP
                    -- each read is a new statement: under READ COMMITTED it sees the latest commit
                    SELECT s.remaining, s.version INTO v_remaining, v_version FROM inventory_shards s
                    WHERE s.sale_id = p_sale AND s.shard_no = 0;
                    v_remaining := COALESCE(v_remaining, 0);
                    v_retries := attempt;
                    IF v_remaining < o.quantity THEN
                        v_sold_out := v_remaining = 0;
                        RAISE EXCEPTION USING ERRCODE = 'FD003';
                    END IF;
                    UPDATE inventory_shards s SET remaining = s.remaining - o.quantity, version = s.version + 1
                    WHERE s.sale_id = p_sale AND s.shard_no = 0 AND s.version = v_version;
                    IF FOUND THEN
                        v_sold_out := v_remaining = o.quantity;
                        EXIT;
                    END IF;
                    IF attempt = 7 THEN
                        v_retries := 8;
                        RAISE EXCEPTION 'stale version 8 times in a row' USING ERRCODE = 'FD004';
                    END IF;
                END LOOP;
            ELSIF p_strategy IN ('sharded', 'batched') THEN  -- batched settles here the orders it takes one by one
                -- A random shard first, so buyers spread over the shards. An UPDATE that waited for the row
                -- and then found it short still holds its lock; taking across the shards in shard order
                -- while holding it out of order deadlocked near sell-out. The sub-block gives it back.
                v_start := floor(random() * p_shards)::int;
                BEGIN
                    UPDATE inventory_shards s SET remaining = s.remaining - o.quantity
                    WHERE s.sale_id = p_sale AND s.shard_no = v_start AND s.remaining >= o.quantity
                    RETURNING s.remaining INTO v_left;
                    IF NOT FOUND THEN
                        RAISE EXCEPTION USING ERRCODE = 'FD005';
                    END IF;
                EXCEPTION
                    WHEN SQLSTATE 'FD005' THEN v_left := NULL;
                END;
                IF v_left = 0 THEN  -- this order emptied its shard: did it empty the sale?
                    v_sold_out := (SELECT COALESCE(SUM(s.remaining), 0) FROM inventory_shards s
                                   WHERE s.sale_id = p_sale) = 0;
                ELSIF v_left IS NULL THEN  -- the random shard was short: across the shards, in shard order
                    WITH locked AS MATERIALIZED (
                        SELECT s.shard_no, s.remaining FROM inventory_shards s
                        WHERE s.sale_id = p_sale AND s.remaining > 0 ORDER BY s.shard_no FOR UPDATE
                    ), plan AS (
                        SELECT l.shard_no, LEAST(l.remaining, o.quantity - COALESCE(SUM(l.remaining) OVER (
                            ORDER BY l.shard_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS take
                        FROM locked l
                    ), took AS (
                        UPDATE inventory_shards s SET remaining = s.remaining - p.take
                        FROM plan p WHERE s.sale_id = p_sale AND s.shard_no = p.shard_no AND p.take > 0
                        RETURNING p.take
                    )
                    SELECT COALESCE(SUM(t.take), 0), (SELECT COALESCE(SUM(l.remaining), 0) FROM locked l)
                    INTO v_taken, v_left FROM took t;
                    IF v_taken < o.quantity THEN
                        v_sold_out := v_taken = 0;  -- nothing left at all; a partial take is undone with the block
                        RAISE EXCEPTION USING ERRCODE = 'FD003';
                    END IF;
                    v_sold_out := v_left - v_taken = 0;
                END IF;
            ELSE
                RAISE EXCEPTION 'not a per-order strategy: %', p_strategy;
            END IF;
            INSERT INTO orders (order_id, sale_id, user_id, quantity, status, reason, idempotency_key,
                                accepted_at, settled_at)
            VALUES (o.order_id, p_sale, o.user_id, o.quantity, 'CONFIRMED', NULL, o.idempotency_key,
                    o.accepted_at, p_now);
        EXCEPTION
            WHEN SQLSTATE 'FD001' THEN v_reason := 'sale_not_active';
            WHEN SQLSTATE 'FD002' THEN v_reason := 'purchase_limit_reached';
            WHEN SQLSTATE 'FD003' THEN v_reason := 'sold_out';
            WHEN unique_violation OR lock_not_available OR deadlock_detected OR SQLSTATE 'FD004' THEN
                failures[i] := SQLSTATE;
        END;
        IF v_reason IS NOT NULL THEN
            INSERT INTO orders (order_id, sale_id, user_id, quantity, status, reason, idempotency_key,
                                accepted_at, settled_at)
            VALUES (o.order_id, p_sale, o.user_id, o.quantity, 'REJECTED', v_reason, o.idempotency_key,
                    o.accepted_at, p_now)
            ON CONFLICT DO NOTHING;
            IF NOT FOUND THEN  -- a concurrent delivery of the same order committed first
                failures[i] := '23505';
            END IF;
        END IF;
        IF failures[i] IS NULL THEN
            statuses[i] := CASE WHEN v_reason IS NULL THEN 'CONFIRMED' ELSE 'REJECTED' END;
            reasons[i] := v_reason;
            sold_outs[i] := v_sold_out;
            settled_ats[i] := p_now;
        END IF;
        retries[i] := v_retries;
        COMMIT;
    END LOOP;
    IF v_flush_per_call THEN
        -- The CALL's closing commit is synchronous, but Postgres flushes a commit only if its transaction
        -- wrote WAL (an id alone is not enough): this message is a record of nothing, written for that.
        PERFORM pg_logical_emit_message(true, 'flashdeal.flush', '');
    END IF;
END;
$$;
