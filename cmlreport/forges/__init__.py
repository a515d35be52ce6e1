"""Where reports are posted: the Forge protocol, GitHub and GitLab over one retry/error layer."""
