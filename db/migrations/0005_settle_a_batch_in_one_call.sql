-- A worker's SQS batch (the orders of one sale in it) settles in one call too (issue 12), still one
-- transaction per order: the procedure settles each order with settle_order_in_one_call (0004) and
-- COMMITs it before the next, so a batch of ten costs one network wait instead of ten and no order waits
-- for another's locks. Each order's own contention failures end that order only, as they did when each
-- was its own statement; its SQLSTATE comes back in `failures`:
--   23505  a concurrent delivery of the same order committed first;
--   FD004  the optimistic strategy lost all 8 attempts;
--   55P03  a lock wait outlasted lock_timeout;
--   40P01  Postgres broke a deadlock by failing this order.
-- Any other error ends the call; the orders already committed stay committed (a redelivery finds them).
--
-- statement_timeout now bounds the whole call, so the procedure starts another order only while at least
-- two lock timeouts are left of it (always the first order). The orders it did not start come back with
-- a NULL status, and the caller sends them again in a new call.
--
-- p_orders is the orders' queue messages as a JSON array; p_open says, per order, whether it was
-- accepted inside the sale's window. For sharded sales each order's first shard is drawn at random, so
-- buyers spread over the shards. Only on a connection in autocommit (no BEGIN before the CALL): COMMIT
-- inside a procedure needs that.
CREATE PROCEDURE settle_orders_one_by_one(
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
    v_order record;
    r record;
    i int := 0;
BEGIN
    statuses := array_fill(NULL::text, ARRAY[v_count]);
    reasons := statuses;
    sold_outs := array_fill(false, ARRAY[v_count]);
    replays := sold_outs;
    settled_ats := array_fill(NULL::timestamptz, ARRAY[v_count]);
    retries := array_fill(0, ARRAY[v_count]);
    failures := statuses;
    FOR v_order IN SELECT * FROM json_to_recordset(p_orders) AS o(
        order_id uuid, user_id text, quantity int, idempotency_key text, accepted_at timestamptz)
    LOOP
        i := i + 1;
        EXIT WHEN i > 1 AND NOT v_unbounded AND clock_timestamp() - v_started > v_last_start;
        BEGIN
            SELECT * INTO r FROM settle_order_in_one_call(
                p_strategy, v_order.order_id, p_sale, v_order.user_id, v_order.quantity, v_order.idempotency_key,
                v_order.accepted_at, p_now, p_limit, p_shards, floor(random() * p_shards)::int, p_open[i]);
            statuses[i] := r.status;
            reasons[i] := r.reason;
            sold_outs[i] := r.sold_out;
            replays[i] := r.replayed;
            settled_ats[i] := r.settled_at;
            retries[i] := r.retries;
        EXCEPTION
            WHEN unique_violation OR lock_not_available OR deadlock_detected OR SQLSTATE 'FD004' THEN
                failures[i] := SQLSTATE;
        END;
        COMMIT;
    END LOOP;
END;
$$;
