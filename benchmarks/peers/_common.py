"""What the peer scripts share: the data path, the command line and the FC score."""

import argparse
from pathlib import Path

import numpy as np

#: The hcp80 connectome as shipped in the neurojax package.
DATA = Path(__file__).resolve().parents[2] / "neurojax/datasets/data/hcp80.npz"


def parser(doc: str, repeats: int) -> argparse.ArgumentParser:
    """The arguments every peer script takes."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--duration", type=float, default=6000.0, help="simulated ms")
    ap.add_argument("--repeats", type=int, default=repeats, help="timed runs after the first")
    ap.add_argument("--transient", type=float, default=1000.0, help="ms dropped before FC")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=DATA)
    return ap


def fc_corr(x, fcs):
    """Mean Pearson correlation of the upper triangle of corrcoef(x) with each FC in fcs."""
    fc = np.corrcoef(x)
    iu = np.triu_indices(fc.shape[0], k=1)
    return float(np.mean([np.corrcoef(fc[iu], emp[iu])[0, 1] for emp in fcs]))
