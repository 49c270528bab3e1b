"""The web system: Chinese pages rendered on the server and the REST API under ``/api/v1``.

:func:`jixiao.web.app.create_app` builds the FastAPI application; ``jixiao serve`` runs it with
uvicorn. Every asset (templates, CSS) ships inside the package: the pages never refer to the
internet, so they work on an intranet.
"""

from jixiao.web.app import create_app

__all__ = ["create_app"]
