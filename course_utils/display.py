"""Show a message as Markdown in Jupyter or Colab, and as plain text elsewhere."""

import sys


def in_notebook():
    """Whether the code runs in a Jupyter kernel (JupyterLab, Colab, VS Code).

    Example:
    >>> in_notebook()
    False
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def show(markdown, text=None, file=None):
    """Show ``markdown`` in a notebook, or ``text`` (default: the Markdown) elsewhere.

    Args:
        markdown: the message as Markdown, for notebooks.
        text: the plain-text version for a terminal; defaults to ``markdown``.
        file: where plain text goes (default ``sys.stdout``).

    Example:
    >>> show("**Done.**", text="Done.")
    Done.
    """
    if in_notebook():
        from IPython.display import Markdown, display

        display(Markdown(markdown))
    else:
        print(markdown if text is None else text, file=file or sys.stdout)
