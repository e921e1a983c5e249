#!/usr/bin/env python3
"""Exactness under concurrency across instances (the production issue), against scripts/cluster.sh's nginx:

  A. one customer, BURST simultaneous refund requests over six fresh orders → exactly 2 refunds (2 in any 30 days),
     never two of one order;
  B. CUSTOMERS customers at once, each asking for refunds of its four fresh orders twice over → exactly 2 each;
  C. 30 simultaneous cancels of one pending order → cancelled once; 30 of a shipped order → none.

Every refund the database holds was acknowledged (a 2xx answer saying it was done) and has its audit row; every
acknowledged refund is in the database. The answers come from both instances (nginx's X-Upstream header). Counts are
read with psql from DATABASE_URL. Prints the counts; exits 1 on any violation.

  DATABASE_URL=postgres://… python3 scripts/cluster_check.py [--base http://127.0.0.1:18400] [--burst 200] [--customers 50]
"""
import argparse
import collections
import datetime
import json
import os
import random
import sys
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from cluster_support import import_document, psql


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build(base_id, customer_count):
    """The import document: customers and orders with ids from base_id on (fresh in any demo database)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    days = lambda n: iso(now - datetime.timedelta(days=n))
    customers, orders = [], []

    def customer(cid):
        customers.append({"id": cid, "name": f"Cluster Customer {cid}", "email": f"cluster{cid}@example.com",
                          "created_at": days(400)})

    def order(oid, cid, status="delivered"):
        entry = {"id": oid, "customer_id": cid, "status": status, "created_at": days(6),
                 "items": [{"product_id": 1, "quantity": 1, "unit_price": "19.99"}]}
        if status in ("shipped", "delivered"):
            entry["shipped_at"] = days(5)
        if status == "delivered":
            entry["delivered_at"] = days(3)
        orders.append(entry)

    single = base_id
    customer(single)
    single_orders = [single * 10 + k for k in range(6)]
    for oid in single_orders:
        order(oid, single)
    many = {}
    for n in range(customer_count):
        cid = base_id + 1 + n
        customer(cid)
        many[cid] = [cid * 10 + k for k in range(4)]
        for oid in many[cid]:
            order(oid, cid)
    canceller = base_id + customer_count + 1
    customer(canceller)
    pending, shipped = canceller * 10, canceller * 10 + 1
    order(pending, canceller, "pending")
    order(shipped, canceller, "shipped")
    document = {"customers": customers, "products": [], "orders": orders, "refunds": []}
    return document, single, single_orders, many, canceller, pending, shipped


def resolve(base, user, text):
    body = json.dumps({"user_input": text, "user_id": user}).encode()
    request = urllib.request.Request(base + "/support/resolve", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read()), response.headers.get("X-Upstream", "?")
    except urllib.error.HTTPError as error:
        return error.code, {}, error.headers.get("X-Upstream", "?")


def burst(base, calls):
    """All calls at once: every thread waits at a barrier, then sends."""
    barrier = threading.Barrier(len(calls))

    def one(call):
        barrier.wait()
        return call, resolve(base, *call)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def done(answer, action):
    status, body, _ = answer
    result = body.get("action_result") or {}
    return 200 <= status < 300 and result.get("action") == action and result.get("success") is True



def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:18400")
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--binary", default=os.environ.get("SUPPORTOPS_BIN", ".build/debug/supportops"))
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to the cluster's PostgreSQL")

    base_id = 20_000_000 + random.randrange(0, 800) * 1000
    document, single, single_orders, many, canceller, pending, shipped = build(base_id, args.customers)
    import_document(args.binary, document)

    failures = []
    upstreams = collections.Counter()
    acknowledged = collections.Counter()  # order id → acknowledged refunds

    # A. One customer, a burst over six orders.
    calls = [(single, f"refund order {single_orders[i % 6]} please, it arrived broken") for i in range(args.burst)]
    for (user, text), answer in burst(args.base, calls):
        upstreams[answer[2]] += 1
        if answer[0] >= 500:
            failures.append(f"A: {answer[0]} for {text!r}")
        if done(answer, "issue_refund"):
            acknowledged[int(text.split()[2])] += 1

    # B. Many customers at once, each order asked for twice.
    calls = [(cid, f"refund order {oid} please, it arrived broken") for cid, oids in many.items() for oid in oids * 2]
    for (user, text), answer in burst(args.base, calls):
        upstreams[answer[2]] += 1
        if answer[0] >= 500:
            failures.append(f"B: {answer[0]} for {text!r}")
        if done(answer, "issue_refund"):
            acknowledged[int(text.split()[2])] += 1

    # C. Cancels racing on a pending order, and on a shipped one.
    calls = [(canceller, f"please cancel order {pending}")] * 30 + [(canceller, f"please cancel order {shipped}")] * 30
    cancels = collections.Counter()
    for (user, text), answer in burst(args.base, calls):
        upstreams[answer[2]] += 1
        if done(answer, "cancel_order"):
            cancels[int(text.split()[-1])] += 1

    ids = [single] + list(many) + [canceller]
    id_list = ",".join(map(str, ids))
    refunds = {int(o): int(n) for o, n in psql(url, f"SELECT order_id, COUNT(*) FROM refunds WHERE customer_id IN ({id_list}) GROUP BY order_id")}
    per_customer = {int(c): int(n) for c, n in psql(url, f"SELECT customer_id, COUNT(*) FROM refunds WHERE customer_id IN ({id_list}) GROUP BY customer_id")}
    audited = {int(r[0]) for r in psql(url, f"""SELECT DISTINCT (parameters::json->>'order_id')::bigint FROM audit_entries
        WHERE action = 'issue_refund' AND customer_id IN ({id_list}) AND result LIKE '%"success":"true"%'""")}
    statuses = dict(psql(url, f"SELECT id, status FROM orders WHERE id IN ({pending}, {shipped})"))

    if per_customer.get(single, 0) != 2:
        failures.append(f"A: customer {single} has {per_customer.get(single, 0)} refunds, not 2")
    wrong = {cid: per_customer.get(cid, 0) for cid in many if per_customer.get(cid, 0) != 2}
    if wrong:
        failures.append(f"B: customers without exactly 2 refunds: {dict(list(wrong.items())[:5])}")
    doubled = {o: n for o, n in refunds.items() if n > 1}
    if doubled:
        failures.append(f"an order refunded twice: {doubled}")
    if set(refunds) != set(acknowledged) or any(n != 1 for n in acknowledged.values()):
        failures.append(f"acknowledged refunds {dict(acknowledged)} differ from the stored ones {refunds}")
    if set(refunds) - audited:
        failures.append(f"refunds without their audit row: {sorted(set(refunds) - audited)}")
    if cancels[pending] != 1 or statuses.get(str(pending)) != "cancelled":
        failures.append(f"C: the pending order was cancelled {cancels[pending]} times (status {statuses.get(str(pending))})")
    if cancels[shipped] != 0 or statuses.get(str(shipped)) != "shipped":
        failures.append(f"C: the shipped order was cancelled {cancels[shipped]} times (status {statuses.get(str(shipped))})")
    if len([u for u in upstreams if u != "?"]) < 2:
        failures.append(f"the answers did not come from both instances: {dict(upstreams)}")

    print(f"A  1 customer, {args.burst} simultaneous refund requests over 6 orders: {per_customer.get(single, 0)} refunds")
    print(f"B  {len(many)} customers, {sum(len(o) * 2 for o in many.values())} simultaneous requests: "
          f"{sum(1 for c in many if per_customer.get(c, 0) == 2)} customers with exactly 2 refunds")
    print(f"C  30 cancels of a pending order: {cancels[pending]} done; 30 of a shipped order: {cancels[shipped]} done")
    print(f"   refunds stored {sum(refunds.values())}, acknowledged {sum(acknowledged.values())}, with audit rows "
          f"{len(set(refunds) & audited)}; orders refunded twice: {len(doubled)}")
    print(f"   answers by instance: {dict(upstreams)}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("cluster check: exact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
