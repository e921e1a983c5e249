#!/usr/bin/env python3
"""Peer baseline for the intent model: scikit-learn TF-IDF (word 1-2 + char 3-5) + LogisticRegression,
trained on the repository's own examples and scored on the same evaluation files as `supportops eval`.

    pip install scikit-learn
    python3 scripts/baseline.py ../shared/eval/bitext_dev.csv ../shared/eval/clinc150_dev.csv ../shared/eval/banking77_dev.csv

Below --min-confidence the prediction counts as `other`, exactly as `supportops eval` counts the agent's decision.
"""
import argparse
import csv
import json
import sys
import time
from pathlib import Path

INTENTS = ["refund", "cancel", "replacement", "status", "escalate", "other"]
ROOT = Path(__file__).resolve().parent.parent
TRAINING = ROOT / "Sources/SupportAgent/Resources/training/intents.csv"


def load(path, text_column="text", label_column="intent"):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [(r[text_column], r[label_column].strip().lower()) for r in rows]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--min-confidence", type=float, default=0.5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
        from sklearn.pipeline import FeatureUnion, make_pipeline
    except ImportError:
        sys.exit("scikit-learn is missing: pip install scikit-learn")

    train = load(TRAINING)
    features = FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True)),
    ])
    model = make_pipeline(features, LogisticRegression(max_iter=2000, C=10))
    started = time.perf_counter()
    model.fit([t for t, _ in train], [l for _, l in train])
    training_seconds = time.perf_counter() - started
    classes = list(model.classes_)
    results = {}
    for path in args.files:
        rows = [(t, l) for t, l in load(path) if l in INTENTS]
        texts = [t for t, _ in rows]
        gold = [l for _, l in rows]
        started = time.perf_counter()
        probabilities = model.predict_proba(texts)
        elapsed = time.perf_counter() - started
        predicted = []
        for p in probabilities:
            best = max(range(len(classes)), key=lambda i: p[i])
            predicted.append(classes[best] if p[best] >= args.min_confidence else "other")
        present = sorted(set(gold))
        precision, recall, _, _ = precision_recall_fscore_support(gold, predicted, labels=present, zero_division=0)
        results[Path(path).name] = {
            "n": len(rows),
            "accuracy": accuracy_score(gold, predicted),
            "macro_f1": f1_score(gold, predicted, labels=present, average="macro", zero_division=0),
            "per_intent": {label: {"precision": p, "recall": r} for label, p, r in zip(present, precision, recall)},
            "ms_per_message_batched": 1000 * elapsed / max(1, len(rows)),
        }
    if args.json:
        print(json.dumps({"training_seconds": training_seconds, "results": results}, indent=2, sort_keys=True))
        return
    print(f"baseline: TF-IDF + LogisticRegression, trained on {len(train)} repository examples in {training_seconds:.2f} s")
    for name, r in results.items():
        other = r["per_intent"].get("other", {})
        print(f"{name:24} n={r['n']:6}  accuracy {r['accuracy']:.3f}  macro-F1 {r['macro_f1']:.3f}  "
              f"other P {other.get('precision', 0):.3f} R {other.get('recall', 0):.3f}")


if __name__ == "__main__":
    main()
