"""What admins do: create a sale in Postgres (the stock) and DynamoDB (the state the API reads)."""

from datetime import UTC, datetime
from uuid import uuid4

import psycopg

from flashdeal.adapters.postgres import transaction
from flashdeal.adapters.sale_rows import insert_sale
from flashdeal.adapters.sale_state import put_sale
from flashdeal.observability import logger
from flashdeal.sales import Margin, SaleCreated, SaleRequest, new_sale, view_sale


def create_sale(
    request: SaleRequest,
    conn: psycopg.Connection,
    sales_table: str,
    now: datetime | None = None,
    default_margin: Margin = "off",
) -> SaleCreated:
    now = now or datetime.now(UTC)
    sale = new_sale(request, uuid4(), now, default_margin)
    with transaction(conn):
        insert_sale(conn, sale)
        # Inside the transaction: if DynamoDB refuses, Postgres rolls back and nothing half-exists.
        put_sale(sales_table, sale)
    logger.info(
        "sale created", sale_id=str(sale.sale_id), inventory=sale.inventory, shards=sale.shards, strategy=sale.strategy
    )
    return SaleCreated(sale_id=sale.sale_id, sale=view_sale(sale, sold=0, sold_out=False, now=now))
