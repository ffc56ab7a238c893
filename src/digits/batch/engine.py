"""Ray, the optional engine of batch jobs: imported only here, with one line that says how to install it."""

from __future__ import annotations

from digits.errors import DigitsError

INSTALL_HINT = 'digits batch needs Ray: pip install -e ".[cluster]"  (or: pip install "ray[data]")'


def import_ray():
    """Ray with Ray Data loaded, or a DigitsError that says how to install them."""
    try:
        import pyarrow  # noqa: F401  (Ray Data's own dependency; the batch room's tables are Arrow)
        import ray
        import ray.data  # noqa: F401  (the submodule must be loaded for ray.data.*)
    except ImportError:
        raise DigitsError(INSTALL_HINT) from None
    return ray
