"""Put robots/flexloen on sys.path, as the runner does, so ``import flexloen`` finds the robot's package."""

from __future__ import annotations

import sys
from pathlib import Path

ROBOT_DIR = Path(__file__).resolve().parents[3] / "robots" / "flexloen"

if str(ROBOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROBOT_DIR))
