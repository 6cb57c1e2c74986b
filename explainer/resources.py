"""Where templates/ and exercises/ are: inside the installed package, or at the top of a checkout.

The design keeps both folders at the top of the repository; the wheel copies them into the
package (see pyproject.toml), so a plain ``pip install .`` finds them too.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ folder is missing from this installation ({_PACKAGE})")
