"""Entry point for `flet build` (phones): runs the Waypoint app with its default settings."""

import flet as ft

from app.main import create_main
from waypoint.core.resources import ASSETS_DIR

ft.run(create_main(), assets_dir=str(ASSETS_DIR))
