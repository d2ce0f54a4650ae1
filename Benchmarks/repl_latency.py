"""Time the REPL as a user feels it: from pressing Enter on a line (1,000 characters unless --line-length says
otherwise) to the first generated character on screen, and the characters per second that follow.

    python3 Benchmarks/repl_latency.py [--binary .build/release/charlstm] [--checkpoint PATH] [--runs 5] [--line-length 100] [--learn]

With --learn the REPL starts with `:learn on`, so each line also teaches the weights before the continuation.

Runs `charlstm repl` on a pseudo-terminal (as a person would), waits for the prompt, types the line, and reads
the screen. The continuation starts after the colour escape the REPL writes; its end is the colour reset.
"""
import argparse
import os
import pty
import select
import statistics
import subprocess
import time

START, END = b"\x1b[36m", b"\x1b[0m"


def read_until(fd, marker, buffer, timeout=60.0):
    deadline = time.perf_counter() + timeout
    while marker not in buffer:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.perf_counter()))
        if not ready:
            raise TimeoutError(f"no {marker!r} on screen")
        buffer += os.read(fd, 65536)
    return buffer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/charlstm")
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--length", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--line-length", type=int, default=1000)
    parser.add_argument("--learn", action="store_true", help="start the REPL with :learn on")
    args = parser.parse_args()
    sentence = "The keeper trimmed the wick and wound the clock. "
    line = (sentence * (args.line_length // len(sentence) + 1))[:args.line_length]
    command = [args.binary, "repl"] + ([args.checkpoint] if args.checkpoint else []) + [
        "--seed", "1", "--length", str(args.length), "--stop", "", "--history", "/dev/null"] + (["--learn"] if args.learn else [])
    master, slave = pty.openpty()
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                               env={**os.environ, "TERM": "xterm"})
    os.close(slave)
    screen = read_until(master, "» ".encode(), b"")
    firsts, rates = [], []
    for _ in range(args.runs):
        os.write(master, line.encode())
        screen = read_until(master, line[-20:].encode(), b"")  # readline has echoed the typing
        os.write(master, b"\r")
        pressed = time.perf_counter()
        screen = read_until(master, START, b"")
        while len(screen.split(START, 1)[1]) == 0:
            screen = read_until(master, START + b"", screen + os.read(master, 65536))
        first = time.perf_counter()
        screen = read_until(master, END, screen)
        done = time.perf_counter()
        generated = len(screen.split(START, 1)[1].split(END, 1)[0].decode(errors="replace"))
        firsts.append((first - pressed) * 1000)
        rates.append(generated / (done - first))
        read_until(master, "» ".encode(), screen.split(END, 1)[1])
        os.write(master, b":reset\r")
        screen = read_until(master, b"memory cleared", b"")
        # Type only at a prompt, as a person does: a Ctrl-D typed before readline has the terminal back is lost.
        read_until(master, "» ".encode(), screen.split(b"memory cleared", 1)[1])
    os.write(master, b"\x04")
    process.wait(timeout=30)
    print(f"first character after Enter ({args.line_length:,}-character line): median {statistics.median(firsts):.1f} ms "
          f"(runs: {', '.join(f'{t:.1f}' for t in firsts)})")
    print(f"streaming: median {statistics.median(rates):,.0f} characters/s over {args.length} characters")


if __name__ == "__main__":
    main()
