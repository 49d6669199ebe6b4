"""Entry point for `flask --app app …` and gunicorn (`gunicorn 'app:app'`)."""

from arrival import create_app

app = create_app()
