#!/usr/bin/env python3
"""Keeps the persistent build directory from filling the disk.

Every change to a crate's dependencies gives its artifacts a new hash, and cargo never deletes
the old ones: on this project the directory grew past 60 GB in a day. This keeps the newest
two artifacts of each name and kind in target/*/deps (two, because a crate can be live in two
configurations, e.g. as a normal and as a dev dependency), and drops incremental caches.
Anything removed that is still needed is rebuilt by cargo.

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
    for files in groups.values():
        files.sort(reverse=True)
        for _, path in files[2:]:
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
