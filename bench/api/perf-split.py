#!/usr/bin/env python3
"""The service's perf samples (`perf script` output) split by code path, judged by the frames of each stack.

Async continuations start from the thread pool, so a stack names only the async methods that completed synchronously
on it; a sample is attributed to the first path whose frames it holds, and "unattributed" counts what holds none
(mostly socket I/O completing on the thread pool)."""
import collections
import re
import sys

PATHS = [
    ("jit (tiered compilation thread)", lambda comm, s: "Tiered" in comm),
    ("request: outbox insert", lambda comm, s: "MirrorBacklog" in s and "AddAsync" in s),
    ("mirror (dispatcher, legacy apply, claim, mark)", lambda comm, s: re.search(
        r"MirrorDispatcher|MirrorBackgroundService|Legacy\w*Port|LegacyStore|ClaimDueAsync|MarkAppliedAsync|TryRecordApplied", s)),
    ("request (HTTP, auth, handler, v2 store)", lambda comm, s: re.search(r"Teski\.|Kestrel|AspNetCore|Mediator", s)),
    ("jit (inline, on a request thread)", lambda comm, s: "libclrjit" in s),
    ("npgsql, unattributed", lambda comm, s: "Npgsql" in s),
    ("kernel, unattributed", lambda comm, s: "[kernel" in s),
]

counts = collections.Counter()
for sample in open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n\n"):
    lines = sample.strip().split("\n")
    if len(lines) < 2:
        continue
    comm, stack = lines[0].strip(), " ".join(lines[1:])
    counts[next((name for name, match in PATHS if match(comm, stack)), "other")] += 1
total = sum(counts.values()) or 1
print(f"{total} samples of the service")
for name, n in counts.most_common():
    print(f"{name:48s} {n:6d} {100 * n / total:5.1f} %")
