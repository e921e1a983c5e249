#!/usr/bin/env bash
# Trains the offline intent model from the bundled examples and ships it beside them, with their fingerprint, so that
# start-up loads it instead of training (run after editing Sources/SupportAgent/Resources/training/intents.csv;
# IntentModelTests fails until you do).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=Sources/SupportAgent/Resources/training
swift run -q supportops train --data "$dir/intents.csv" --out "$dir/intents.model.json"
# FNV-1a 64 of the examples' bytes, as OfflineUnderstanding.trainingFingerprint computes it.
python3 -c '
import sys
h = 0xcbf29ce484222325
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
print(format(h, "x"))' "$dir/intents.csv" > "$dir/intents.model.fingerprint"
echo "wrote $dir/intents.model.json and $dir/intents.model.fingerprint"
