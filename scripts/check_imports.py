#!/usr/bin/env python3
"""Every module a target imports is a dependency it declares in Package.swift, and every declared dependency is used.

The compiler (MemberImportVisibility, InternalImportsByDefault) makes each file import what it uses; this makes the
package say it. Run by scripts/test.sh. Exit 1 with the offending targets.
"""
import glob, json, re, subprocess, sys

SYSTEM = {"Foundation", "FoundationEssentials", "Testing", "XCTest", "Dispatch", "Glibc", "_Concurrency", "Synchronization"}
# Internal targets of a dependency that its products bring along (not declarable as products).
ALLOWED = {"SupportServerTests": {"VaporTestUtils"}}

package = json.loads(subprocess.run(["swift", "package", "dump-package"], capture_output=True, text=True, check=True).stdout)
problems = []
for target in package["targets"]:
    name = target["name"]
    declared = {dep[kind][0] for dep in target["dependencies"] for kind in ("byName", "product", "target") if kind in dep}
    imported = set()
    for path in glob.glob(f"{'Tests' if target['type'] == 'test' else 'Sources'}/{name}/**/*.swift", recursive=True):
        for line in open(path, encoding="utf-8"):
            match = re.match(r"^(?:public |@testable |package )?import (\w+)", line)
            if match:
                imported.add(match.group(1))
    undeclared = imported - declared - SYSTEM - {name} - ALLOWED.get(name, set())
    unused = declared - imported
    if undeclared or unused:
        problems.append(f"{name}: imports without declaring {sorted(undeclared)}; declares without importing {sorted(unused)}")
print("\n".join(problems) if problems else f"imports: {len(package['targets'])} targets import exactly what they declare")
sys.exit(1 if problems else 0)
