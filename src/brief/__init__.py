"""brief: turn a curated, verified corpus of sources into policy briefs."""

__version__ = "0.1.0"
