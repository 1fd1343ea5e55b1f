"""shailoo: an open-source election management system."""

__version__ = "0.1.0"
