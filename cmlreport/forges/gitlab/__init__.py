"""GitLab through python-gitlab: notes, commit statuses, uploads, runner registration."""
