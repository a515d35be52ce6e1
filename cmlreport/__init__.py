"""cmlreport: metrics and plots in, a markdown report on the pull/merge request out."""

__version__ = "0.1.0"
