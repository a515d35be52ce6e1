"""Pure statistics on numpy arrays: classification counts and scores, the bootstrap, exact tests.

Nothing here reads a file or knows a metric's name; :mod:`cmlreport.metrics` gives it arrays
and gets arrays back. numpy is imported at module level (these modules are only imported when a
predictions file is given); scipy inside the functions that need it.
"""
