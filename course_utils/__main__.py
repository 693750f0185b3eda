"""Command line: ``python -m course_utils doctor``, ``download`` and ``build``."""

import argparse
import sys


def make_parser():
    """The command line's parser (the guides' commands are checked against it)."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils", description="Tools for the CNN course."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    doctor = commands.add_parser(
        "doctor",
        help="a pass/fail table of the set-up: versions, data, disk, GPU, a 10-second training "
        "smoke test; exit status 0 only when every row passes",
    )
    doctor.add_argument("--json", action="store_true", help="print the rows as JSON")
    doctor.add_argument(
        "--no-train", action="store_true", help="skip the 10-second training smoke test"
    )
    download = commands.add_parser(
        "download",
        help="fetch MNIST and CIFAR-10 (into the Keras cache, or --to a folder for "
        "COURSE_DATA_DIR), verified by hash",
    )
    download.add_argument(
        "--to",
        metavar="DIR",
        help="a folder in the layout COURSE_DATA_DIR reads (e.g. a USB stick)",
    )
    download.add_argument(
        "--mirror",
        metavar="URL",
        help="fetch from a folder another machine serves (`python -m http.server` in a folder "
        "written by --to) instead of the internet; needs --to",
    )
    download.add_argument(
        "--only", choices=("mnist", "cifar10"), action="append", help="one data set (repeatable)"
    )
    build = commands.add_parser(
        "build", help="write notebooks/ (learner copies) from solutions/ (the one source)"
    )
    build.add_argument("--source", default="solutions", help="solution notebooks folder")
    build.add_argument("--target", default="notebooks", help="learner notebooks folder")
    build.add_argument(
        "--solutions-json",
        help="file whose entries for the notebooks built are replaced, other entries kept "
        "(default: the package's course_utils/exercises/solutions.json when building the "
        "repository's own solutions/ into its notebooks/, otherwise none is written)",
    )
    return parser


def main(argv=None):
    """Run a course command; returns the exit status."""
    args = make_parser().parse_args(argv)
    if args.command == "doctor":
        from course_utils.environment import doctor

        return doctor(as_json=args.json, train=not args.no_train)
    if args.command == "download":
        from course_utils.download import download

        return download(to=args.to, mirror=args.mirror, names=args.only)
    if args.command == "build":
        from course_utils import build as builder

        stored = args.solutions_json or builder.own_solutions_json(args.source, args.target)
        try:
            written = builder.build(args.source, args.target, stored)
        except (builder.BuildError, OSError) as error:
            print(f"build failed: {error}", file=sys.stderr)
            return 1
        for path in written:
            print(f"wrote {path}")
        if stored is None:
            print("solutions not stored: not the repository's own folders (see --solutions-json)")
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
