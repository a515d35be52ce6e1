"""Cloud GPU machines registered as self-hosted CI runners that remove themselves."""
