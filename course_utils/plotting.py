"""Figures the notebooks share. Each function returns its figure, so it works in
JupyterLab, Colab, VS Code and headless CI alike."""

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter


def _share(count, total):
    share = count / total
    return f"{share:.1%}" if share >= 0.001 or count == 0 else "<0.1%"


def plot_param_counts(table, ax=None, title="Where the parameters live"):
    """A horizontal bar per layer with its parameter count, largest share labelled.

    Args:
        table: a ``course_utils.params.ParamTable`` (from ``param_table(model)``).
        ax: an existing matplotlib axes, or None for a new figure.
        title: the axes title.

    Returns:
        The matplotlib figure.

    Example:
    >>> from course_utils.params import ParamTable
    >>> table = ParamTable([("conv", "Conv2D", "", 80, 0, 80), ("dense", "Dense", "", 13530, 0, 13530)])
    >>> fig = plot_param_counts(table)
    >>> [float(bar.get_width()) for bar in fig.axes[0].patches]
    [80.0, 13530.0]
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(table.rows) + 1.2))
    else:
        fig = ax.figure
    names = [row[0] for row in table.rows]
    counts = [row[3] + row[4] for row in table.rows]
    total = max(sum(counts), 1)
    bars = ax.barh(names, counts, color="tab:blue")
    labels = [f"{c:,} ({_share(c, total)})" if c else "0" for c in counts]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.invert_yaxis()  # first layer on top, as in model.summary()
    ax.set_xlabel("parameters")
    ax.set_title(f"{title} (total {total:,})")
    ax.set_xlim(0, max(counts + [1]) * 1.35)
    fig.tight_layout()
    return fig
