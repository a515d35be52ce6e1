"""Drift between a reference and a current sample: PSI, KS, Wasserstein, Jensen-Shannon, chi-square.

Pure: numpy arrays in, numbers out; scipy does every test and distance (imported inside the
functions). A statistic that a sample cannot give (the quantile bins of a constant reference)
is None with the reason, never a made-up number.

The bins: PSI and Jensen-Shannon compare the shares of the two samples in ``PSI_BINS`` bins cut
at the reference's deciles (ties merged, so a reference with few distinct values has fewer
bins; when all nine deciles are the minimum, one edge at the maximum). The outer bins are open,
so current values beyond the reference's range still count. A bin that one sample leaves empty
counts as ``EPSILON`` in PSI (its logarithm would be infinite); Jensen-Shannon needs no such
floor. Categories are their own bins.

PSI grows with sampling noise as samples shrink: two samples of one distribution give about
(1/n + 1/m) times a chi-square of (bins - 1) degrees of freedom (Yurdakul and Naranjo,
"Statistical properties of the population stability index", 2020). ``Binned.noise`` is that
PSI's 95th percentile at the samples' sizes: a PSI below it is no evidence of drift, whatever
the rule-of-thumb verdict (below ~30 rows a side it still underestimates the noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

PSI_BINS = 10
EPSILON = 1e-4  # the share an empty bin counts as in PSI
JS_BASE = 2  # Jensen-Shannon distance in bits: 0 (same shares) to 1 (no overlap)
NOISE_LEVEL = 0.95

Floats = npt.NDArray[np.float64]
Counts = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Binned:
    """The shares of both samples in the same bins, and what PSI and JS make of them."""

    reference: Floats
    current: Floats
    psi: float
    js: float
    noise: float = 0.0  # the PSI equal distributions stay below 95 % of the time at these sizes

    @property
    def within_noise(self) -> bool:
        return self.psi <= self.noise


@dataclass(frozen=True)
class NumericDrift:
    reference_mean: float
    current_mean: float
    ks: float
    ks_p: float
    wasserstein: float
    binned: Binned | None  # None: the reference has no quantile bins
    edges: Floats  # the interior bin edges (empty when binned is None)
    why_not_binned: str = ""


@dataclass(frozen=True)
class CategoricalDrift:
    categories: tuple[str, ...]
    reference_counts: Counts
    current_counts: Counts
    chi2: float
    chi2_p: float
    binned: Binned


def psi(reference: Floats, current: Floats, epsilon: float = EPSILON) -> float:
    """Population stability index of two share vectors over the same bins."""
    r = np.maximum(reference, epsilon)
    c = np.maximum(current, epsilon)
    return float(np.sum((c - r) * np.log(c / r)))


def compare_shares(reference_counts: Counts, current_counts: Counts) -> Binned:
    """PSI and Jensen-Shannon distance of two count vectors over the same bins."""
    from scipy.spatial.distance import jensenshannon

    n, m = int(reference_counts.sum()), int(current_counts.sum())
    r = reference_counts / n
    c = current_counts / m
    js = float(jensenshannon(r, c, base=JS_BASE))
    noise = psi_noise(n, m, len(reference_counts))
    return Binned(r, c, psi(r, c), 0.0 if np.isnan(js) else js, noise)


def psi_noise(reference_n: int, current_n: int, bins: int, level: float = NOISE_LEVEL) -> float:
    """The PSI that two samples of one distribution, of these sizes, stay below at ``level``."""
    from scipy.stats import chi2

    if bins < 2:
        return 0.0  # one bin: PSI is 0 whatever the samples
    return float(chi2.ppf(level, bins - 1) * (1 / reference_n + 1 / current_n))


def quantile_edges(reference: Floats, bins: int = PSI_BINS) -> Floats:
    """The interior edges of the reference's quantile bins, ties merged: empty for a constant
    reference (one bin holds everything, so there is nothing to compare)."""
    inner = np.quantile(reference, np.linspace(0.0, 1.0, bins + 1)[1:-1])
    edges = np.unique(inner)
    # An edge at the minimum would leave the first bin empty by construction.
    edges = edges[edges > reference.min()]
    if not len(edges) and reference.max() > reference.min():
        # Nine deciles at the minimum (a 0/1 column of few ones): the minimum against the rest,
        # cut at the next value (an edge at the maximum put every middle value with the minimum).
        edges = np.array([reference[reference > reference.min()].min()])
    return edges


def bin_counts(values: Floats, edges: Floats) -> Counts:
    """How many values fall in each bin: (-inf, e0), [e0, e1), ..., [e_last, inf)."""
    index = np.searchsorted(edges, values, side="right")
    return np.bincount(index, minlength=len(edges) + 1).astype(np.int64)


def numeric_drift(reference: Floats, current: Floats, bins: int = PSI_BINS) -> NumericDrift:
    """Every statistic of two finite, non-empty samples."""
    from scipy.stats import ks_2samp, wasserstein_distance

    ks = ks_2samp(reference, current)
    edges = quantile_edges(reference, bins)
    binned = None
    why = ""
    if len(edges):
        binned = compare_shares(bin_counts(reference, edges), bin_counts(current, edges))
    else:
        why = "the reference is constant, so it has no quantile bins"
    return NumericDrift(
        reference_mean=float(np.mean(reference)),
        current_mean=float(np.mean(current)),
        ks=float(ks.statistic),
        ks_p=float(ks.pvalue),
        wasserstein=float(wasserstein_distance(reference, current)),
        binned=binned,
        edges=edges,
        why_not_binned=why,
    )


def categorical_drift(
    categories: tuple[str, ...], reference_counts: Counts, current_counts: Counts
) -> CategoricalDrift:
    """Chi-square test of homogeneity on the 2 x k table of counts, PSI and JS on the shares.

    Every category is seen in at least one sample, so no expected count is zero; one category
    alone gives chi-square 0 and p = 1 (nothing can differ).
    """
    from scipy.stats import chi2_contingency

    if len(categories) < 2:
        chi2, p = 0.0, 1.0
    else:
        test = chi2_contingency(np.vstack([reference_counts, current_counts]), correction=False)
        chi2, p = float(test.statistic), float(test.pvalue)
    return CategoricalDrift(
        categories,
        reference_counts,
        current_counts,
        chi2,
        p,
        compare_shares(reference_counts, current_counts),
    )
