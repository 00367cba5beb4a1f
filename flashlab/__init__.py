"""flashlab: FlashDeal's dev-only local runtime and lab tooling. Never deployed."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
