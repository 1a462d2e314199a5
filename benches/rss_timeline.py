#!/usr/bin/env python3
"""Samples a command's resident memory while it runs (Linux).

    python3 benches/rss_timeline.py [--every SECONDS] COMMAND [ARG ...]

Prints the peak (milliseconds from the start, MiB) and about forty
samples across the run, "ms:MiB", to show in which phase memory peaks.
Standard library only; reads /proc/PID/status.
"""
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    every = 0.0003
    if args[:1] == ["--every"]:
        every = float(args[1])
        args = args[2:]
    if not args:
        sys.exit(__doc__)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    samples = []
    start = time.perf_counter()
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        mib = int(line.split()[1]) // 1024
                        samples.append((time.perf_counter() - start, mib))
        except OSError:
            pass  # the process ended between poll() and open()
        time.sleep(every)
    if not samples:
        sys.exit("rss_timeline: the command ended before a sample")
    at, peak = max(samples, key=lambda s: s[1])
    print(f"peak {peak} MiB at {at * 1000:.0f} ms; exit {proc.returncode}")
    step = max(1, len(samples) // 40)
    print(" ".join(f"{t * 1000:.0f}:{m}" for t, m in samples[::step]))


if __name__ == "__main__":
    main()
