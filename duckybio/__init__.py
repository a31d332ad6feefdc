"""duckybio: the executable reference for the Ducky VM block-IO controller."""

__version__ = "0.1.0"
