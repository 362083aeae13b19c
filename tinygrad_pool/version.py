"""The package's version: from the installed package's metadata, or, in a source tree that was never installed,
from pyproject.toml's `version`."""
import re
from importlib import metadata
from pathlib import Path

def _version():
    try:
        return metadata.version("tinygrad_pool")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        found = re.search(r'^version\s*=\s*"([^"]+)"', pyproject.read_text(), re.MULTILINE) \
            if pyproject.exists() else None
        return found.group(1) if found else "0+unknown"

__version__ = _version()
