"""Running git: the one clone cmlreport reads commits from, and what a remote URL points at."""
