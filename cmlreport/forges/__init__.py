"""Where reports are posted: the Forge protocol and its GitHub and GitLab implementations."""
