"""Times segprep.normalize on a pyarrow array against the command line's
`clean` on the same values written one per line, per value.

    python python/bench.py --cli target/release/segprep [--values 1000000]

The values are random GAIDs from a fixed seed: most lower case, one in
ten upper case (the `case` fix), one in a hundred not a GAID. All are
distinct, so the clean file is exactly the kept values in order, and the
script checks that before it times anything. Prints the median of
several runs of each, interleaved, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import tempfile
import time

import pyarrow as pa

import segprep


def gaids(n: int, seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    values = []
    for i in range(n):
        hex32 = f"{rng.getrandbits(128):032x}"
        value = "-".join(
            (hex32[:8], hex32[8:12], hex32[12:16], hex32[16:20], hex32[20:])
        )
        if i % 10 == 3:
            value = value.upper()
        elif i % 100 == 7:
            value = value[:-1] + "#"
        values.append(value)
    return values


def seconds(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", required=True, help="the segprep binary")
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    values = gaids(args.values)
    array = pa.array(values, pa.string())
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "gaids.csv")
        out = os.path.join(tmp, "clean.csv")
        with open(src, "w", newline="\n") as f:
            f.write("\n".join(values) + "\n")
        command = [
            args.cli, "clean", src, "-o", out, "--id-type", "gaid",
            "--header", "no", "-q",
        ]

        subprocess.run(command, check=True)
        normalized = segprep.normalize(array, id_type="gaid").values
        kept = [v for v in normalized.to_pylist() if v is not None]
        with open(out) as f:
            clean = f.read().splitlines()
        assert kept == clean, "normalize differs from the clean file"

        # Interleaved, so that a busy machine slows both alike.
        cli_times, py_times = [], []
        for _ in range(args.repeat):
            cli_times.append(
                seconds(lambda: subprocess.run(command, check=True))
            )
            py_times.append(
                seconds(lambda: segprep.normalize(array, id_type="gaid"))
            )
        cli = statistics.median(cli_times)
        py = statistics.median(py_times)
    n = args.values
    print(f"values: {n} ({len(clean)} kept); median of {args.repeat} runs")
    print(f"cli clean:           {cli:.4f} s  {cli / n * 1e9:6.1f} ns/value")
    print(f"normalize(pyarrow):  {py:.4f} s  {py / n * 1e9:6.1f} ns/value")
    print(f"ratio normalize/cli: {py / cli:.2f}")


if __name__ == "__main__":
    main()
