"""Command line: ``python -m course_utils doctor``."""

import argparse
import sys


def main(argv=None):
    """Run a course command; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils", description="Tools for the CNN course."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doctor", help="check Python, TensorFlow, devices, mode and data sources")
    args = parser.parse_args(argv)
    if args.command == "doctor":
        from course_utils.environment import check_setup

        report = check_setup()
        return 1 if report["problems"] else 0
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
