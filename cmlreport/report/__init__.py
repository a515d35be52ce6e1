"""Rendering: markdown, plots and mermaid charts from already-computed values."""
