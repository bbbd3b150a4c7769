"""Writes the tutorial notebooks (run: python notebooks/_build.py).

Each `nb*.py` module beside this file defines `NAME` (the notebook's file name) and `CELLS`,
a list of ("md" | "code", source) pairs."""

import importlib
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).parent


def build(name: str, cells) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["colab"] = {"provenance": []}
    nb.cells = [nbformat.v4.new_markdown_cell(src) if kind == "md"
                else nbformat.v4.new_code_cell(src) for kind, src in cells]
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    only = sys.argv[1:]  # optional: module names (e.g. nb05_dynamics) to rebuild
    for path in sorted(HERE.glob("nb*.py")):
        if only and path.stem not in only:
            continue
        module = importlib.import_module(path.stem)
        build(module.NAME, module.CELLS)
        print("wrote", module.NAME)
