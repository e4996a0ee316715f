"""Kapacitet Midt: capacity-analysis workbench for the specialised social area."""

__version__ = "0.1.0"
