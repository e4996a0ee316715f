"""The embedded default: a synthetic but realistic demo region (`capacity demo`).

Public entry point: :func:`write_demo`. docs/demo-data.md describes what is generated.
"""

from capacity.demo.generate import write_demo

__all__ = ["write_demo"]
