"""Demo data commands."""

from flask import Flask

from arrival.demo.cli import demo_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
