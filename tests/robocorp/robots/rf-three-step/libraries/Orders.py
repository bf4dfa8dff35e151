"""Prices and totals for the order robot, as Robot Framework keywords (``Library    Orders``, via PYTHONPATH)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path


class UnknownProduct(ValueError):
    """The price list has no such product."""

    ROBOT_SUPPRESS_NAME = True  # Robot Framework shows the message alone, as the task's EXCEPT expects


class Orders:
    """Reads the price list a batch comes with and prices its order lines in exact decimals (kroner and øre)."""

    ROBOT_LIBRARY_SCOPE = "GLOBAL"

    def read_price_list(self, path: str) -> dict[str, str]:
        """The price list CSV (``sku;price``, a decimal comma allowed) as SKU -> price text like ``1249.50``."""
        with Path(path).open(encoding="utf-8", newline="") as handle:
            rows = csv.DictReader(handle, delimiter=";")
            return {row["sku"].strip(): str(Decimal(row["price"].replace(",", "."))) for row in rows}

    def price_order_line(self, prices: dict[str, str], sku: str, quantity: int) -> str:
        """``quantity`` x the price of ``sku``, two decimals; fails with ``Unknown product: SKU`` when not listed."""
        if sku not in prices:
            raise UnknownProduct(f"Unknown product: {sku}")
        return str((Decimal(prices[sku]) * int(quantity)).quantize(Decimal("0.01")))

    def summarise_orders(self, orders: list[dict]) -> dict:
        """``batch``, ``orders`` (their ids) and ``total`` (two decimals) of priced orders of one batch."""
        total = sum((Decimal(o["total"]) for o in orders), Decimal("0")).quantize(Decimal("0.01"))
        return {"batch": orders[0]["batch"], "orders": [o["order_id"] for o in orders], "total": str(total)}

    def summary_table(self, orders: list[dict], total: str) -> str:
        """CSV text ``order_id;total``: a line per order, then ``TOTAL;<total>``."""
        lines = ["order_id;total", *(f"{o['order_id']};{o['total']}" for o in orders), f"TOTAL;{total}"]
        return "\n".join(lines) + "\n"
