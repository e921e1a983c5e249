#!/usr/bin/env python3
"""Where a perf recording's samples go, by our own code: each sample is charged to the innermost frame that belongs to a
SupportOps module (so a function's share includes the library code it calls: regular expressions, JSON, Foundation),
then every own frame's inclusive share. Samples with no own frame (HTTP on the event loops, SQLite on its pool threads,
the kernel) are grouped by a frame near their thread's root.

    python3 Benchmarks/perf_attribution.py /tmp/perf.data      # after `perf record -g -p PID -o /tmp/perf.data`
"""
import subprocess, sys, collections, re
data = sys.argv[1]
mods = ("SupportAgent", "SupportStore", "SupportServer", "SupportDomain", "SupportSearch", "SupportIntentModel", "SupportCommands")
out = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym"], capture_output=True, text=True).stdout
samples = out.split("\n\n")
inner = collections.Counter(); anyours = collections.Counter(); total = 0
for s in samples:
    frames = [l.strip().split(" ", 1)[-1] for l in s.strip().split("\n") if l.strip()]
    if not frames: continue
    total += 1
    syms = frames
    dem = None
    for f in syms:
        if any(m in f for m in mods):
            inner[f] += 1; break
    else:
        inner["<not ours: " + (syms[-3] if len(syms) > 3 else syms[-1])[:60] + ">"] += 1
    seen = set()
    for f in syms:
        if any(m in f for m in mods) and f not in seen:
            seen.add(f); anyours[f] += 1
def dm(names):
    r = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(names), capture_output=True, text=True).stdout.split("\n")
    return r
print("total samples", total)
top = inner.most_common(40); names = dm([n for n, _ in top])
print("== innermost own frame (self+library callees)")
for (n, c), d in zip(top, names): print(f"{100*c/total:6.2f}%  {d[:150]}")
top = anyours.most_common(40); names = dm([n for n, _ in top])
print("== inclusive (own frames)")
for (n, c), d in zip(top, names): print(f"{100*c/total:6.2f}%  {d[:150]}")
