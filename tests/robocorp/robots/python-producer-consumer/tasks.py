"""Purchase orders from a CSV file, in two Robocorp Python tasks.

The producer makes one output work item per line of the input item's orders.csv, the line also attached as a
JSON file. The consumer confirms each order, or fails it: bad data and a blocked customer are business
exceptions (a person looks at them), an ERP system that does not answer is an application exception (retried).
"""

import csv
import json
from pathlib import Path

from robocorp import workitems
from robocorp.tasks import get_output_dir, task


def _output_dir() -> Path:
    folder = get_output_dir() or Path("output")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@task
def producer():
    """Split the orders.csv of each input work item into one output work item per order."""
    for item in workitems.inputs:
        path = item.get_file("orders.csv", _output_dir() / "orders.csv")
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                order = {
                    "order_id": row["order_id"],
                    "customer": row["customer"],
                    "item": row["item"],
                    "quantity": int(row["quantity"]),
                    "status": row["status"] or None,
                    "currency": item.payload["currency"],
                }
                attachment = _output_dir() / f"order-{order['order_id']}.json"
                attachment.write_text(json.dumps(order, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
                workitems.outputs.create(payload=order, files=[attachment])
        item.done()


def _confirm(order: dict) -> Path:
    """Stands in for the ERP system: a confirmation file, or an exception when the ERP system is down."""
    if order["status"] == "erp down":
        raise workitems.ApplicationException(f"The ERP system did not answer for {order['order_id']}", code="ERP_DOWN")
    path = _output_dir() / f"confirmation-{order['order_id']}.txt"
    path.write_text(
        f"Order {order['order_id']} for {order['customer']}: {order['quantity']} x {order['item']}\n", encoding="utf-8"
    )
    return path


@task
def consumer():
    """Confirm each order the producer made; pass the confirmation on as an output work item."""
    for item in workitems.inputs:
        with item:
            order = item.payload
            attached = json.loads(
                item.get_file(f"order-{order['order_id']}.json", _output_dir() / "order.json").read_text("utf-8")
            )
            if attached != order:
                raise workitems.ApplicationException("The attached order differs from the payload", code="MISMATCH")
            if order["quantity"] < 1:
                item.fail(
                    "BUSINESS", code="INVALID_ORDER", message=f"{order['order_id']}: quantity {order['quantity']}"
                )
                continue
            if order["status"] == "blocked":
                raise workitems.BusinessException(f"{order['customer']} is blocked", code="CUSTOMER_BLOCKED")
            confirmation = _confirm(order)
            workitems.outputs.create(
                payload={"order_id": order["order_id"], "status": "confirmed"}, files=[confirmation]
            )
            item.done()
