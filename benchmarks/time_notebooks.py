"""Time every notebook as a learner runs it, and write the one table of run times.

Run on an otherwise idle machine (anything else running skews the figures), with the real
data:

    COURSE_DATA_DIR=../shared/data python benchmarks/time_notebooks.py
    COURSE_DATA_DIR=../shared/data python benchmarks/time_notebooks.py --mode quick --only 05 09

Each run is `jupyter nbconvert --to notebook --execute` of one `solutions/NN_*.ipynb` in a
fresh kernel, one at a time: the wall time includes starting the kernel and importing
TensorFlow, as a learner's "Run All" does. Each notebook runs in quick and full mode
(`COURSE_QUICK`), with oneDNN on and off (`TF_ENABLE_ONEDNN_OPTS`; the script checks that
TensorFlow obeyed). The results go into `benchmarks/run_times.json`, with the CPU model,
the core count and the versions they were measured with; a run with `--only` or `--mode`
updates its entries and keeps the others, and refuses to mix machines or versions in one
table (`--replace` starts a new table).

`python -m course_utils build` writes the README's run-time table and the "Run time" line of
every notebook's header from this file; tests/test_run_times.py fails when they disagree.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "benchmarks" / "run_times.json"
MODES = {"quick": "1", "full": "0"}
COLUMNS = {"onednn": "1", "no_onednn": "0"}  # TF_ENABLE_ONEDNN_OPTS for each column
SAME_MACHINE = ("cpu", "cores", "tensorflow", "keras")
ONEDNN_PROBE = "from course_utils.environment import onednn_enabled; print(onednn_enabled())"


def cpu_features():
    """The vector instructions that decide how fast TensorFlow's CPU kernels are."""
    try:
        flags = next(
            line.split(":", 1)[1].split()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("flags")
        )
    except (OSError, StopIteration):
        return "unknown"
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile")
    return " ".join(flag.upper() for flag in wanted if flag in flags) or "none of AVX2/AVX-512"


def machine():
    """What the figures depend on: CPU, cores, versions, and the day they were measured."""
    import keras
    import tensorflow as tf

    from course_utils.environment import cpu_model

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "features": cpu_features(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "measured": datetime.date.today().isoformat(),
    }


def merge(table, here, replace=False):
    """``table`` ready for this machine's figures: a new one when ``replace`` or none yet.

    Raises:
        SystemExit: when ``table`` was measured on another machine or other versions.
    """
    if replace or table is None:
        return {"machine": here, "notebooks": {}}
    differs = {key: (table["machine"].get(key), here[key]) for key in SAME_MACHINE}
    differs = {key: pair for key, pair in differs.items() if pair[0] != pair[1]}
    if differs:
        sys.exit(
            f"{TABLE.name} was measured with {differs} (table, here): time every notebook "
            "again with --replace, so that one table holds one machine's figures."
        )
    table["machine"]["measured"] = here["measured"]
    return table


def environment(mode, column):
    env = dict(os.environ, COURSE_QUICK=MODES[mode], TF_ENABLE_ONEDNN_OPTS=COLUMNS[column])
    env["COURSE_REQUIRE_REAL_DATA"] = "1"  # the figures are for the real data, never a stand-in
    for name in ("COURSE_STRICT", "MPLBACKEND"):  # as a learner runs it: inline figures
        env.pop(name, None)
    return env


def check_onednn(column):
    """Exit unless TensorFlow runs with oneDNN as ``column`` asks (some CPUs cannot)."""
    probe = subprocess.run(
        [sys.executable, "-c", ONEDNN_PROBE],
        env=environment("quick", column),
        capture_output=True,
        text=True,
        check=True,
    )
    reported = probe.stdout.strip().splitlines()[-1]
    if reported != str(column == "onednn"):
        sys.exit(f"TF_ENABLE_ONEDNN_OPTS={COLUMNS[column]}: TensorFlow reports oneDNN {reported}.")


def time_notebook(path, mode, column):
    """Seconds to execute ``path`` in a fresh kernel (nbconvert), in ``mode`` and ``column``."""
    with tempfile.TemporaryDirectory() as output:
        command = [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.timeout=7200",
            f"--output-dir={output}",
            str(path),
        ]
        start = time.perf_counter()
        run = subprocess.run(command, env=environment(mode, column), capture_output=True, text=True)
        seconds = time.perf_counter() - start
    if run.returncode != 0:
        tail = "\n".join(run.stderr.strip().splitlines()[-15:])
        sys.exit(f"{path.name} failed in {mode} mode ({column}):\n{tail}")
    return round(seconds, 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    parser.add_argument("--onednn", choices=["on", "off", "both"], default="both")
    parser.add_argument("--only", nargs="+", metavar="NN", help="notebook numbers, e.g. 05 09")
    parser.add_argument("--replace", action="store_true", help="start a new table")
    args = parser.parse_args(argv)
    if not os.environ.get("COURSE_DATA_DIR"):
        sys.exit("Set COURSE_DATA_DIR to the folder with the real MNIST and CIFAR-10 files.")

    paths = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        paths = [path for path in paths if path.name[:2] in args.only]
        if len(paths) != len(set(args.only)):
            sys.exit(f"--only {' '.join(args.only)}: not every number names a notebook.")
    modes = list(MODES) if args.mode == "both" else [args.mode]
    columns = {"on": ["onednn"], "off": ["no_onednn"], "both": list(COLUMNS)}[args.onednn]

    old = json.loads(TABLE.read_text(encoding="utf-8")) if TABLE.exists() else None
    table = merge(old, machine(), replace=args.replace)
    for column in columns:
        check_onednn(column)
        for mode in modes:
            for path in paths:
                seconds = time_notebook(path, mode, column)
                empty = {m: dict.fromkeys(COLUMNS) for m in MODES}
                table["notebooks"].setdefault(path.name, empty)[mode][column] = seconds
                table["notebooks"] = dict(sorted(table["notebooks"].items()))
                TABLE.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
                print(f"{path.name:<40} {mode:<6} {column:<10} {seconds:7.1f} s", flush=True)
    print(f"Wrote {TABLE.relative_to(ROOT)}; now run `python -m course_utils build`.")


if __name__ == "__main__":
    main()
