#!/usr/bin/env python3
"""Runs a command and reports the peak of its anonymous resident memory (RssAnon: heap, stacks, anonymous maps)
beside its peak RSS (which also counts the pages of mapped files the kernel can drop and reread), sampled from
/proc/PID/status every 20 ms, and its wall time. Linux only. When the command starts processes of its own (torchrun's
ranks), it also reports the peak of the largest of them.

    python3 Benchmarks/peak_memory.py -- charlstm train big.txt --out runs/big --steps 10
    python3 Benchmarks/peak_memory.py --interrupt-after 60 -- COMMAND   # SIGINT after 60 s, SIGKILL 10 s later
"""
import os
import signal
import subprocess
import sys
import time


def sample(pid):
    values = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("RssAnon", "VmRSS"):
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


def descendants(pid):
    """The processes below `pid`, from /proc's parent links."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents.setdefault(int(stat.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except OSError:
                continue
    found, frontier = [], [pid]
    while frontier:
        children = parents.get(frontier.pop(), [])
        found += children
        frontier += children
    return found


def main():
    argv = sys.argv[1:]
    interrupt_after = None
    if argv[:1] == ["--interrupt-after"]:
        interrupt_after, argv = float(argv[1]), argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        sys.exit("usage: peak_memory.py -- COMMAND [ARGS...]")
    start = time.monotonic()
    process = subprocess.Popen(argv)
    peak = {"RssAnon": 0, "VmRSS": 0}
    interrupted = killed = False
    largest = {"RssAnon": 0, "VmRSS": 0}
    while process.poll() is None:
        for key, value in sample(process.pid).items():
            peak[key] = max(peak[key], value)
        for child in descendants(process.pid):
            for key, value in sample(child).items():
                largest[key] = max(largest[key], value)
        time.sleep(0.02)
        running = time.monotonic() - start
        if interrupt_after is not None and running > interrupt_after and not interrupted:
            process.send_signal(signal.SIGINT)
            interrupted = True
        if interrupted and running > interrupt_after + 10 and not killed:
            process.kill()
            killed = True
    seconds = time.monotonic() - start
    print(f"peak_memory: exit {process.returncode}, {seconds:.2f} s, peak RssAnon {peak['RssAnon'] / 1024:.1f} MB, "
          f"peak RSS {peak['VmRSS'] / 1024:.1f} MB"
          + (" (interrupted" + (", then killed" if killed else "") + ")" if interrupted else "")
          + (f"; its largest child: peak RssAnon {largest['RssAnon'] / 1024:.1f} MB, peak RSS "
             f"{largest['VmRSS'] / 1024:.1f} MB" if largest["VmRSS"] else ""), file=sys.stderr)
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()
