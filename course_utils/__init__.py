"""Helpers for the CNN course: data, modes, set-up checks.

Notebooks import what they call from here, e.g.
``from course_utils import load_mnist, budget``.
"""

from course_utils.config import budget, describe_mode, expect, is_quick, mode
from course_utils.data import load_cifar10, load_mnist
from course_utils.environment import check_setup, set_seed

__all__ = [
    "budget",
    "check_setup",
    "describe_mode",
    "expect",
    "is_quick",
    "load_cifar10",
    "load_mnist",
    "mode",
    "set_seed",
]
__version__ = "0.1.0"
