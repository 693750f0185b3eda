"""Command line: ``python -m course_utils doctor`` and ``python -m course_utils build``."""

import argparse
import sys


def main(argv=None):
    """Run a course command; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils", description="Tools for the CNN course."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doctor", help="check Python, TensorFlow, devices, mode and data sources")
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
    args = parser.parse_args(argv)
    if args.command == "doctor":
        from course_utils.environment import check_setup

        report = check_setup()
        return 1 if report["problems"] else 0
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
