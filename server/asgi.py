"""The ASGI entry point: `uvicorn server.asgi:app`."""

from .app import create_app

app = create_app()
