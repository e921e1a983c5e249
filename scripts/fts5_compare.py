#!/usr/bin/env python3
"""Measures SQLite FTS5 (porter stemmer, bm25 with the same field weights) on the labelled retrieval set, to compare
with `supportops eval-retrieval` (the in-memory index SupportOps uses). Standard library only.

    python3 scripts/fts5_compare.py [evaluation/retrieval.csv]
"""
import csv
import re
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "Sources/SupportAgent/Resources"
DEFAULTS = {"return_window_days": "30", "max_refunds_per_window": "2", "refund_limit_window_days": "30",
            "fraud_high_value": "500.00", "fraud_new_account_days": "7", "fraud_max_refund_requests_90_days": "4"}
STOP = set("a an the and or but if of to in on at for with by from is are was were be been it its this that these those i me my we "
           "our you your he she they them do does did have has had can could would will please hi hello thanks thank so as am what "
           "how when which who there any some about into up out just also than then too very im ive get got want need should may "
           "might much many all more yet still us let".split())


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def documents():
    for path in sorted((RESOURCES / "policies").glob("*.md")):
        text = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: DEFAULTS[m.group(1)], path.read_text())
        title, heading, body = path.name, None, []
        for line in text.splitlines() + ["## end"]:
            if line.startswith("## "):
                if heading and body:
                    yield f"policy:{path.name}#{slug(heading)}", heading, "", title, " ".join(body)
                heading, body = line[3:].strip(), []
            elif line.startswith("# "):
                title = line[2:].strip()
            elif line.strip():
                body.append(line.strip())
    for path in sorted((RESOURCES / "kb").glob("*.md")):
        _, front, body = path.read_text().split("---", 2)
        fields = dict(line.split(":", 1) for line in front.strip().splitlines())
        yield f"kb:{path.stem}", fields["title"].strip(), fields["tags"].strip(), fields["summary"].strip(), body.strip()


def main():
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "evaluation/retrieval.csv"
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, tags, summary, body, tokenize='porter unicode61')")
    db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", list(documents()))
    rows = list(csv.DictReader(open(data, newline="", encoding="utf-8")))
    hit1 = hit3 = mrr = 0.0
    latencies = []
    for row in rows:
        words = [w for w in re.findall(r"[a-z0-9]+", row["question"].lower()) if w not in STOP and len(w) > 1]
        relevant = set(row["relevant"].split("|"))
        ranked = []
        if words:
            query = " OR ".join(f'"{w}"' for w in words)
            start = time.perf_counter()
            ranked = [r[0] for r in db.execute(
                "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 3, 3, 1.5, 1) LIMIT 10", (query,))]
            latencies.append((time.perf_counter() - start) * 1000)
        hit1 += any(i in relevant for i in ranked[:1])
        hit3 += any(i in relevant for i in ranked[:3])
        for rank, i in enumerate(ranked):
            if i in relevant:
                mrr += 1 / (rank + 1)
                break
    n = len(rows)
    latencies.sort()
    print(f"SQLite FTS5 (porter, bm25 weights title 3, tags 3, summary 1.5, body 1) on {n} questions: "
          f"hit@1 {hit1 / n:.3f}  hit@3 {hit3 / n:.3f}  MRR {mrr / n:.3f}  p50 {latencies[len(latencies) // 2]:.3f} ms")


if __name__ == "__main__":
    main()
