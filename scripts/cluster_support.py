"""What scripts/cluster_check.py and scripts/crash_check.py share: counting rows with psql, and importing a fixture
document with `supportops import`."""
import json
import os
import subprocess
import tempfile


def psql(url, query):
    """The rows of a query, each a list of column texts."""
    out = subprocess.run(["psql", url, "-qtAX", "-F", "\t", "-c", query], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def import_document(binary, document):
    """Imports customers, products, orders and refunds (the `supportops import` document) into DATABASE_URL."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(document, handle)
    try:
        subprocess.run([binary, "import", "--file", handle.name], check=True, capture_output=True)
    finally:
        os.unlink(handle.name)
