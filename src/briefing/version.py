"""The tool's version: one place, read by the package, the manifest and the generator tag."""

__version__ = "0.2.0"
