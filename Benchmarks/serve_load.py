"""Load `charlstm serve` as clients would: N concurrent clients, each streaming completions from
POST /v1/completions ("stream": true) over its own loopback connection, and report what they saw.

    python3 Benchmarks/serve_load.py [--url http://127.0.0.1:8080] [--clients 16] [--requests 3]
                                     [--prompt-length 100] [--length 200] [--seconds 120]

Every client sends --requests requests one after another, each a prompt of --prompt-length characters (taken
from the model's own vocabulary, GET /v1/models) asking for --length characters at temperature 1 with a seed of
its own. Reported: the requests that failed (any status but 200, a malformed event, a missing [DONE]), the
time from sending a request to its first character (median and worst), each client's characters per second
while streaming (median), and all clients' characters per second together (characters received / wall time
from the first request to the last [DONE]). Bounded: it stops after --seconds whatever happens.

Only the Python standard library; the server must already be running.
"""
import argparse
import asyncio
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request


def vocabulary(url):
    with urllib.request.urlopen(url + "/v1/models", timeout=10) as response:
        model = json.load(response)["data"][0]
    return model["id"], [c for c in model["charlstm"]["vocabulary"] if c.isalpha() or c == " "]


async def stream_completion(host, port, body):
    """One streamed completion on a fresh connection: (first-character seconds, streaming seconds, characters)."""
    reader, writer = await asyncio.open_connection(host, port)
    payload = json.dumps(body).encode()
    writer.write(b"POST /v1/completions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (host.encode(), len(payload)) + payload)
    start = time.perf_counter()
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        rest = await reader.read()
        raise RuntimeError(f"{status.decode().strip()}: {rest[-300:].decode(errors='replace')}")
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    first, characters, done = None, 0, False
    buffer = b""
    while not done:
        chunk = await reader.read(65536)
        if not chunk:
            break
        buffer += chunk
        # The body comes in HTTP chunks, one per event; an event is "data: JSON\n\n", and JSON escapes newlines.
        while b"data: " in buffer:
            at = buffer.index(b"data: ")
            end = buffer.find(b"\n\n", at)
            if end < 0:
                break
            event = buffer[at + 6:end]
            buffer = buffer[end + 2:]
            if event == b"[DONE]":
                done = True
                break
            text = json.loads(event)["choices"][0]["text"]
            if text and first is None:
                first = time.perf_counter()
            characters += len(text)
    end_time = time.perf_counter()
    writer.close()
    if not done:
        raise RuntimeError("the stream ended without [DONE]")
    return first - start, end_time - first, characters


async def client(number, args, host, port, prompt_source, results, failures):
    for request in range(args.requests):
        offset = (number * 7 + request * 13) % len(prompt_source)
        prompt = "".join(prompt_source[(offset + k) % len(prompt_source)] for k in range(args.prompt_length))
        body = {"prompt": prompt, "max_tokens": args.length, "temperature": 1, "seed": number * 1000 + request,
                "stream": True}
        try:
            results.append(await stream_completion(host, port, body))
        except Exception as error:  # noqa: BLE001 - every failure is counted and shown
            failures.append(f"client {number} request {request}: {error}")


async def run(args):
    parsed = urllib.parse.urlparse(args.url)
    host, port = parsed.hostname, parsed.port or 80
    model, characters = vocabulary(args.url)
    results, failures = [], []
    start = time.perf_counter()
    tasks = [client(k, args, host, port, characters, results, failures) for k in range(args.clients)]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.seconds)
    except asyncio.TimeoutError:
        failures.append(f"stopped after {args.seconds} s")
    wall = time.perf_counter() - start
    total = sum(r[2] for r in results)
    print(f"{model}: {args.clients} clients x {args.requests} requests, prompt {args.prompt_length}, length {args.length}")
    print(f"  requests ok {len(results)}, failed {len(failures)}")
    for failure in failures[:10]:
        print("   ", failure)
    if results:
        firsts = sorted(r[0] * 1000 for r in results)
        rates = [r[2] / r[1] for r in results if r[1] > 0]
        print(f"  first character: median {statistics.median(firsts):.1f} ms, worst {firsts[-1]:.1f} ms")
        print(f"  per client while streaming: median {statistics.median(rates):.0f} characters/s")
        print(f"  all clients together: {total / wall:.0f} characters/s ({total} characters in {wall:.2f} s)")
    print(json.dumps({"clients": args.clients, "ok": len(results), "failed": len(failures),
                      "first_ms_median": statistics.median([r[0] * 1000 for r in results]) if results else None,
                      "client_rate_median": statistics.median([r[2] / r[1] for r in results if r[1] > 0]) if results else None,
                      "total_rate": total / wall}))
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=3)
    parser.add_argument("--prompt-length", type=int, default=100)
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120)
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
