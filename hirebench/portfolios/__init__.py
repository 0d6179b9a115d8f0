"""Portfolio uploads: checking hostile files, storing them, and rendering safe previews."""
