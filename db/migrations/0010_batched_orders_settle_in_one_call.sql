-- A batched sale's orders (one SQS batch, one sale) settle in one round trip instead of five: the
-- function does what the worker did statement by statement, in one transaction (the call's):
--   the orders' INSERT (CONFIRMED, or REJECTED with the reason the worker found before: over the
--   buyer's limit within the batch, or the sale known sold out), ON CONFLICT (order_id) DO NOTHING so a
--   redelivered order is left as it was;
--   the buyers' reservations, grouped by buyer in buyer order, and one order at a time for a buyer
--   refused as a group (every batch locks purchase rows in one order: code point order, as Python's
--   sorted() in the statement-by-statement path, whatever the database's collation);
--   the refused orders turned REJECTED;
--   the units of every order reserved, from one shard that has them all (a random free shard first,
--   SKIP LOCKED, then any that has them).
-- Stock is still taken last, so a shard stays locked only for the final UPDATE and the commit, and no
-- transaction stays open while its worker waits for a CPU between statements (at 64 workers on two
-- cores, about 24 backends sat idle in a transaction at any moment).
--
-- When no single shard has the batch's units (the end of a sale), the function raises FD005 and undoes
-- everything; the worker then settles the batch statement by statement, which takes across the shards
-- and hands out what there is first come first served. A unique violation on (sale, buyer, key) raises
-- as before (an order that conflicts with a settled one under another order id).
--
-- p_orders: the batch's first deliveries as a JSON array, in arrival order. Returns the orders this call
-- inserted, those refused by the buyer's limit, and the units left in the sale (-1: none were asked).
CREATE FUNCTION settle_batch_together(
    p_sale uuid, p_orders jsonb, p_rejected uuid[], p_reasons text[], p_limit int, p_shards int, p_start int,
    p_settled timestamptz, p_refusal text,
    OUT new_ids uuid[], OUT refused_ids uuid[], OUT units_left int
) LANGUAGE plpgsql AS $$
DECLARE
    v_ids uuid[];       -- the new orders not rejected before the insert, in arrival order
    v_users text[];
    v_units int[];
    v_granted text[];   -- buyers whose whole demand in this batch fits their limit
    v_demand int;
    v_id uuid;
    v_user text;
    v_qty int;
BEGIN
    WITH inserted AS (
        INSERT INTO orders (order_id, sale_id, user_id, quantity, status, reason, idempotency_key, accepted_at, settled_at)
        SELECT o.order_id, o.sale_id, o.user_id, o.quantity,
               CASE WHEN r.order_id IS NULL THEN 'CONFIRMED' ELSE 'REJECTED' END, r.reason,
               o.idempotency_key, o.accepted_at, p_settled
        FROM jsonb_to_recordset(p_orders) AS o(order_id uuid, sale_id uuid, user_id text, quantity int,
                                               idempotency_key text, accepted_at timestamptz)
        LEFT JOIN unnest(p_rejected, p_reasons) AS r(order_id, reason) ON r.order_id = o.order_id
        ON CONFLICT (order_id) DO NOTHING
        RETURNING order_id, user_id, quantity, reason
    )
    SELECT coalesce(array_agg(i.order_id), '{}'),
           coalesce(array_agg(i.order_id ORDER BY e.n) FILTER (WHERE i.reason IS NULL), '{}'),
           coalesce(array_agg(i.user_id ORDER BY e.n) FILTER (WHERE i.reason IS NULL), '{}'),
           coalesce(array_agg(i.quantity ORDER BY e.n) FILTER (WHERE i.reason IS NULL), '{}')
    INTO new_ids, v_ids, v_users, v_units
    FROM inserted i
    JOIN jsonb_array_elements(p_orders) WITH ORDINALITY AS e(doc, n) ON (e.doc->>'order_id')::uuid = i.order_id;

    WITH reserved AS (
        INSERT INTO purchases (sale_id, user_id, purchased, purchase_limit)
        SELECT p_sale, w.user_id, w.units, p_limit
        FROM (SELECT t.user_id, sum(t.units)::int AS units FROM unnest(v_users, v_units) AS t(user_id, units)
              GROUP BY t.user_id ORDER BY t.user_id COLLATE "C") AS w
        ON CONFLICT (sale_id, user_id) DO UPDATE SET purchased = purchases.purchased + EXCLUDED.purchased
        WHERE purchases.purchased + EXCLUDED.purchased <= purchases.purchase_limit
        RETURNING user_id
    )
    SELECT coalesce(array_agg(user_id), '{}') INTO v_granted FROM reserved;

    SELECT coalesce(sum(t.units), 0) INTO v_demand
    FROM unnest(v_users, v_units) AS t(user_id, units) JOIN unnest(v_granted) AS g(user_id) USING (user_id);
    refused_ids := '{}';
    FOR v_id, v_user, v_qty IN
        SELECT t.order_id, t.user_id, t.units
        FROM unnest(v_ids, v_users, v_units) WITH ORDINALITY AS t(order_id, user_id, units, n)
        LEFT JOIN unnest(v_granted) AS g(user_id) ON g.user_id = t.user_id
        WHERE g.user_id IS NULL ORDER BY t.n
    LOOP
        INSERT INTO purchases (sale_id, user_id, purchased, purchase_limit) VALUES (p_sale, v_user, v_qty, p_limit)
        ON CONFLICT (sale_id, user_id) DO UPDATE SET purchased = purchases.purchased + EXCLUDED.purchased
        WHERE purchases.purchased + EXCLUDED.purchased <= purchases.purchase_limit;
        IF FOUND THEN
            v_demand := v_demand + v_qty;
        ELSE
            refused_ids := refused_ids || v_id;
        END IF;
    END LOOP;
    IF refused_ids <> '{}' THEN
        UPDATE orders SET status = 'REJECTED', reason = p_refusal WHERE order_id = ANY(refused_ids);
    END IF;

    IF v_demand = 0 THEN
        units_left := -1;
    ELSE
        UPDATE inventory_shards SET remaining = remaining - v_demand
        WHERE sale_id = p_sale AND shard_no = (
            SELECT shard_no FROM inventory_shards WHERE sale_id = p_sale AND remaining >= v_demand
            ORDER BY (shard_no + p_shards - p_start) % p_shards LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING remaining INTO units_left;
        IF NOT FOUND THEN
            UPDATE inventory_shards SET remaining = remaining - v_demand
            WHERE sale_id = p_sale AND shard_no = (
                SELECT shard_no FROM inventory_shards WHERE sale_id = p_sale AND remaining >= v_demand
                ORDER BY (shard_no + p_shards - p_start) % p_shards LIMIT 1 FOR UPDATE)
            RETURNING remaining INTO units_left;
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no single shard has the % units this batch asks for', v_demand USING ERRCODE = 'FD005';
        END IF;
        IF units_left = 0 THEN
            SELECT coalesce(sum(remaining), 0) INTO units_left FROM inventory_shards WHERE sale_id = p_sale;
        END IF;
    END IF;
END $$;
