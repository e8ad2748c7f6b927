#!/usr/bin/env python3
"""Splits a node's CPU profile into the parts of the GPS path.

    perf record -F 999 --call-graph dwarf,16384 -o perf.data -p NODE_PID -- sleep 10
    perf script -i perf.data > perf.txt
    python3 harness/profile/split.py perf.txt

Each sample goes to the first part whose frames it holds (the order below
matters: a socket write inside the session is "ws send", not "session").
Used for docs/benchmarks.md ("GPS past the bus", session 2026-12-08).
"""
import collections
import sys

# (part, any of these substrings in the sample's frames), first match wins.
PARTS = [
    ("redis: connection task (PUBLISH, replies, pushes)", ["forward::Forward"]),
    ("redis: PUBLISH calls and push delivery", ["ConnectionManager"]),
    ("gps writer", ["gps::run", "gps::flush"]),
    ("postgres", ["deadpool", "tokio_postgres"]),
]
SESSION = ["Session", "on_upgrade"]
SESSION_PARTS = [
    ("session: ws send (syscall)", ["sys_sendto"]),
    ("session: ws recv (syscall)", ["sys_recvfrom"]),
    ("session: parse", ["codec::parse"]),
    ("session: encode, route, deliver", ["send_location", "serialize"]),
    ("session: gps queue push", ["GpsQueue"]),
    ("session: ws framing (tungstenite)", ["tungstenite"]),
]


def part(stack):
    for name, keys in PARTS:
        if any(k in stack for k in keys):
            return name
    if any(k in stack for k in SESSION):
        for name, keys in SESSION_PARTS:
            if any(k in stack for k in keys):
                return name
        return "session: loop, outbox, registry, other"
    if "park" in stack or "epoll" in stack:
        return "runtime: park, epoll"
    return "runtime: other"


def main(path):
    counts = collections.Counter()
    for sample in open(path).read().split("\n\n"):
        lines = sample.strip().split("\n")
        if len(lines) < 2:
            continue
        counts[part("\n".join(lines[1:]))] += 1
    total = sum(counts.values())
    for name, n in counts.most_common():
        print(f"{n:6} {100 * n / total:5.1f}%  {name}")
    print(f"{total:6} samples")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "perf.txt")
