#!/usr/bin/env python3
"""Types Ctrl-C into a `charlstm train` run on a pseudo-terminal once it shows a validation's progress line, and
reports how long the run took to end after the key, with its exit status. Linux and macOS.

    python3 Benchmarks/ctrl_c_latency.py -- charlstm train big.txt --out runs/x --eval-every 20 --steps 1000000
"""
import os
import pty
import select
import sys
import time


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        sys.exit("usage: ctrl_c_latency.py -- COMMAND [ARGS...]")
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    seen = b""
    deadline = time.monotonic() + 1800
    while b"validating:" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    if b"validating:" not in seen:
        sys.exit("ctrl_c_latency: the run showed no validation line")
    pressed = time.monotonic()
    os.write(master, b"\x03")
    # Drain what it prints until the terminal closes (the process is gone), then collect its status.
    while True:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break
    _, status = os.waitpid(pid, 0)
    latency = time.monotonic() - pressed
    print(f"ctrl_c_latency: the run ended {latency:.3f} s after Ctrl-C, exit status {os.waitstatus_to_exitcode(status)}")


if __name__ == "__main__":
    main()
