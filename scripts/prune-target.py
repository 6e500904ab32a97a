#!/usr/bin/env python3
"""Keeps the persistent build directory from filling the disk.

Every change to a crate's dependencies gives its artifacts a new hash, and cargo never deletes
the old ones: on this project the directory grew past 60 GB in a day. Most of it is
old test binaries and programs (hundreds of MB each). In target/*/deps this keeps the newest
three executables of each name and drops incremental caches. Libraries are left alone: a crate
is live in many configurations at once (built, checked by clippy, for build scripts, for the
wasm UI's macros...), and pruning them only makes cargo rebuild them. Anything removed that
is still needed is rebuilt by cargo.

Usage: scripts/prune-target.py TARGET_DIR
"""
import collections, os, re, shutil, sys

target = sys.argv[1]
freed = 0
for profile in ("debug", "release"):
    deps = os.path.join(target, profile, "deps")
    if not os.path.isdir(deps):
        continue
    groups = collections.defaultdict(list)
    for name in os.listdir(deps):
        m = re.match(r"^(.*)-([0-9a-f]{16})(\..*)?$", name)
        if m:
            path = os.path.join(deps, name)
            groups[(m.group(1), m.group(3) or "")].append((os.path.getmtime(path), path))
    for (_, ext), files in groups.items():
        files.sort(reverse=True)
        if ext != "" or not os.access(files[0][1], os.X_OK):
            continue
        for _, path in files[3:]:
            try:
                freed += os.path.getsize(path)
                os.remove(path)
            except OSError:
                pass
    incremental = os.path.join(target, profile, "incremental")
    if os.path.isdir(incremental):
        for root, _, names in os.walk(incremental):
            freed += sum(os.path.getsize(os.path.join(root, n)) for n in names)
        shutil.rmtree(incremental, ignore_errors=True)
print(f"prune-target: freed {freed / 1e9:.1f} GB in {target}")
