"""Test-wide setup: Qt runs headless everywhere (set before anything imports Qt)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
