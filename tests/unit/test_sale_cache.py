from datetime import UTC, datetime
from uuid import uuid4

from flashdeal.adapters.sale_state import mark_sold_out, put_sale
from flashdeal.sale_cache import cached_sale_state
from flashdeal.sales import SaleRequest, new_sale


def a_sale(table):
    sale = new_sale(SaleRequest(name="socks", inventory=5, shards=1), uuid4(), datetime.now(UTC))
    put_sale(table, sale)
    return sale


def test_the_state_is_reused_within_the_ttl(sales_table):
    sale = a_sale(sales_table)
    assert cached_sale_state(sales_table, sale.sale_id, ttl_s=60) == (sale, False)
    mark_sold_out(sales_table, sale.sale_id)
    assert cached_sale_state(sales_table, sale.sale_id, ttl_s=60) == (sale, False)  # still cached


def test_without_a_ttl_the_flag_is_seen_at_once_and_then_kept(sales_table):
    sale = a_sale(sales_table)
    assert cached_sale_state(sales_table, sale.sale_id, ttl_s=0) == (sale, False)
    mark_sold_out(sales_table, sale.sale_id)
    assert cached_sale_state(sales_table, sale.sale_id, ttl_s=0) == (sale, True)
    sales_table_gone = "no-such-table"  # sold out is final: no more reads are needed
    assert cached_sale_state(sales_table_gone, sale.sale_id, ttl_s=0) == (sale, True)
