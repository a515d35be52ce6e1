"""GitHub through PyGithub: comments, checks, image assets, runner registration."""
