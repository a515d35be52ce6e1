"""Charts: matplotlib figures and mermaid charts from parsed plot data, apart from the markdown."""
