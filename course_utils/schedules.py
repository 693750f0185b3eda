"""Workshop schedules for INSTRUCTORS.md, built from the measured run times.

A notebook's slot is the time to teach it and do its exercises (``READING_MINUTES``
plus ``EXERCISE_MINUTES`` per exercise: a rule of thumb, stated in the guide) plus the
time the notebook itself takes to run in the mode the plan uses, taken from
``benchmarks/run_times.json``: the slower of its two columns (oneDNN on or off), in whole
minutes, since a room's laptops differ. ``python -m course_utils build`` writes the
schedules into INSTRUCTORS.md between ``<!-- schedules -->`` and ``<!-- /schedules -->``,
and refuses a plan that no longer fits its day.
"""

import math
import re

SCHEDULES = re.compile(r"<!-- schedules -->\n.*?<!-- /schedules -->", re.DOTALL)
READING_MINUTES = 15  # per notebook: walking through its text, code and figures
EXERCISE_MINUTES = 6  # per exercise: trying, checking, and going over it together
BREAK = ("Break", 15)
LUNCH = ("Lunch", 60)
PROJECT = (
    "Project: the course's best models (`benchmarks/bench_best_mnist.py`, 5 minutes of "
    "training) or the learners' own images with notebook 08",
    120,
)
WRAP_UP = ('Wrap-up: what to try next (each notebook\'s "Next steps")', 30)

# The morning of a full day: set-up, the data, tensors, then convolution shapes.
_MORNING = ["00 quick", "01 quick", "02 quick", BREAK, "03 quick"]
# (title, [(start, end, sessions), one per day]); a session is "NN quick", "NN full" or a
# (what, minutes) pair such as a break. Notebook 00 is set-up: the half day has no time
# for it, so learners run it before.
PLANS = (
    (
        "Half day: a first CNN",
        [("09:00", "12:30", ["01 quick", "02 quick", BREAK, "03 quick", "05 quick"])],
    ),
    (
        "One day: from pixels to CIFAR-10",
        [
            (
                "09:00",
                "17:00",
                [*_MORNING, "04 quick", LUNCH, "05 quick", "06 quick", BREAK, "07 quick"],
            )
        ],
    ),
    (
        "Two days: the whole course, trained in full",
        [
            ("09:00", "17:00", [*_MORNING, LUNCH, "04 quick", "05 full", BREAK, "06 full"]),
            (
                "09:00",
                "17:00",
                ["07 full", BREAK, "08 full", "09 full", LUNCH, PROJECT, BREAK, WRAP_UP],
            ),
        ],
    ),
)


def _minutes(clock):
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def run_minutes(table, name, mode):
    """Whole minutes to plan for running notebook ``name`` in ``mode``: the slower of the
    measured oneDNN-on and oneDNN-off times, rounded up.

    Raises:
        ValueError: when ``table`` has no measurement for it.

    Example:
    >>> table = {"notebooks": {"05.ipynb": {"quick": {"onednn": 28, "no_onednn": 33}}}}
    >>> run_minutes(table, "05.ipynb", "quick")
    1
    """
    row = table["notebooks"].get(name, {}).get(mode, {})
    seconds = [s for s in row.values() if s is not None]
    if not seconds:
        raise ValueError(f"{name} has no measured {mode}-mode run time in the table.")
    return math.ceil(max(seconds) / 60)


def schedules(table, notebooks):
    """The Markdown block: every notebook's minutes, then every plan in ``PLANS``.

    Args:
        table: the run-time table (``build.read_run_times``).
        notebooks: {file name: (title "NN · Title", number of exercises)}.

    Raises:
        ValueError: naming the plan and day that overrun, or a notebook it cannot find.
    """
    by_number = {name[:2]: name for name in notebooks}
    lines = [
        "<!-- schedules -->",
        f"Built by `python -m course_utils build` from `benchmarks/run_times.json` "
        f"(measured on {table['machine']['cpu']}, {table['machine']['cores']} cores, "
        f"{table['machine']['measured']}): each notebook gets {READING_MINUTES} minutes of "
        f"teaching, {EXERCISE_MINUTES} minutes per exercise, and its measured run time "
        "(the slower of oneDNN on and off, in whole minutes).",
        "",
        "### Every notebook, to build your own plan",
        "",
        "| Notebook | Exercises | Teaching and exercises | Running it, quick mode | "
        "Running it, full mode |",
        "|---|---|---|---|---|",
    ]
    for name, (notebook_title, exercises) in notebooks.items():
        teach = READING_MINUTES + EXERCISE_MINUTES * exercises
        quick, full = (run_minutes(table, name, mode) for mode in ("quick", "full"))
        lines.append(
            f"| [{notebook_title}](notebooks/{name}) | {exercises} | {teach} min | "
            f"{quick} min | {full} min |"
        )
    for title, days in PLANS:
        lines += ["", f"### {title}"]
        for day, (start, end, sessions) in enumerate(days, 1):
            now, stop = _minutes(start), _minutes(end)
            if len(days) > 1:
                lines += ["", f"**Day {day}**"]
            lines += [
                "",
                "| Time | Session | Mode | Teaching and exercises | Running it |",
                "|---|---|---|---|---|",
            ]
            for session in sessions:
                if isinstance(session, tuple):
                    what, minutes = session
                    lines.append(f"| {_clock(now)} | {what} | | {minutes} min | |")
                    now += minutes
                    continue
                number, mode = session.split()
                if number not in by_number:
                    raise ValueError(f"{title}: no notebook {number} to schedule.")
                name = by_number[number]
                notebook_title, exercises = notebooks[name]
                teach = READING_MINUTES + EXERCISE_MINUTES * exercises
                run = run_minutes(table, name, mode)
                lines.append(
                    f"| {_clock(now)} | [{notebook_title}](notebooks/{name}) | {mode} | "
                    f"{teach} min ({exercises} exercise{'s' * (exercises != 1)}) | {run} min |"
                )
                now += teach + run
            if now > stop:
                raise ValueError(
                    f"{title}, day {day}: the sessions end at {_clock(now)}, after {end}; "
                    "move a notebook to another day or to homework."
                )
            lines.append(f"| {_clock(now)} | End: {stop - now} min to spare for questions | | | |")
    lines.append("<!-- /schedules -->")
    return "\n".join(lines)
