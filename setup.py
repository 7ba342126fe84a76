"""Build script beside pyproject.toml, for one thing pyproject cannot say alongside package discovery.

assets/ (controls, fonts, samples, icons) stays at the repository root, where the app, PyInstaller
and the docs find it, and is installed as the package `verbatim_assets` so a wheel works outside the
source tree (core.paths.asset_dir finds it either way). Everything else is in pyproject.toml.
"""

from pathlib import Path

from setuptools import find_packages, setup

ASSETS = Path(__file__).resolve().parent / "assets"
asset_packages = ["verbatim_assets"] + [f"verbatim_assets.{p.name}" for p in sorted(ASSETS.iterdir()) if p.is_dir()]

setup(
    packages=[*find_packages(include=["core*", "gui*", "cli*"]), *asset_packages],
    package_dir={"verbatim_assets": "assets"},  # its files: pyproject.toml's package-data
)
