"""The JSON projection of declarations: what ``jixiao parse --json`` prints and the schema of it.

``{"documents": [{"file": …, "projects": [<declaration>…], "warnings": [...], "errors": [...]}]}``
Money and target numbers are strings of decimal digits (exact, as written); dates are ISO
``YYYY-MM-DD``; absent fields are ``null``. ``schema/parse-output.schema.json`` is generated from
these models by ``python -m jixiao.jsonformat`` and checked by the tests.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel, ConfigDict

from jixiao.model import Declaration


class Message(BaseModel):
    """A warning or an error, located."""

    model_config = ConfigDict(extra="forbid")
    file: str | None = None
    line: int | None = None
    message: str


class DocumentOut(BaseModel):
    """One input file."""

    model_config = ConfigDict(extra="forbid")
    file: str
    projects: list[Declaration]
    warnings: list[Message] = []
    errors: list[Message] = []


class ParseOutput(BaseModel):
    """The whole output of ``jixiao parse --json``."""

    model_config = ConfigDict(extra="forbid", title="Jixiao parse output")
    documents: list[DocumentOut]


def declaration_json(declaration: Declaration) -> dict[str, Any]:
    """One declaration as a JSON-ready dict."""
    return declaration.model_dump(mode="json")


def documents_json(documents: list[Any]) -> dict[str, Any]:
    """``Document`` objects (see :mod:`jixiao.readers`) as the parse output dict."""
    return {
        "documents": [
            {
                "file": doc.file,
                "projects": [declaration_json(d) for d in doc.declarations],
                "warnings": [w.model_dump(mode="json") for w in doc.warnings],
                "errors": [{"file": e.file, "line": e.line, "message": e.message} for e in doc.errors],
            }
            for doc in documents
        ]
    }


def schema() -> dict[str, Any]:
    """The JSON Schema of the parse output."""
    return ParseOutput.model_json_schema(mode="serialization")


if __name__ == "__main__":  # regenerate the published schema
    json.dump(schema(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
