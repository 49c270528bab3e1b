"""Jixiao's own JSON format (what ``jixiao parse --json`` prints) read back into declarations.

Accepted: the full ``{"documents": [{"file": …, "projects": [...]}]}``, a bare list of
projects, or one project object.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from pydantic import ValidationError

from jixiao.errors import ReadError
from jixiao.model import Declaration
from jixiao.text import has_nul


def iter_json_forms(stream: IO[str], file: str) -> Iterator[Declaration | ReadError]:
    try:
        data = json.load(stream)
    except json.JSONDecodeError as err:
        raise ReadError(file, f"valid JSON ({err.msg})", line=err.lineno) from None
    except UnicodeDecodeError:
        raise ReadError(file, "JSON text in UTF-8", found="bytes that do not decode") from None
    projects = list(_projects(data, file))
    if not projects:
        raise ReadError(file, 'Jixiao JSON: {"documents": [{"projects": [...]}]} with at least one project',
                        found="no project")
    for where, project in projects:
        if isinstance(project, dict) and not project.get("name") and not project.get("indicators"):
            yield ReadError(file, f'{where}: a project with a "name" or "indicators"', found="neither")
            continue
        if has_nul(project):
            yield ReadError(file, f"{where}: text without NUL characters", found="\\u0000")
            continue
        try:
            declaration = Declaration.model_validate(project)
        except ValidationError as err:
            first = err.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            yield ReadError(file, f"{where}.{loc}: {first['msg']}", found=f"「{first.get('input')!s:.60}」")
            continue
        declaration.source = file
        yield declaration


def _projects(data: Any, file: str) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict) and "documents" in data:
        docs = data["documents"]
        if not isinstance(docs, list):
            raise ReadError(file, '"documents" to be a list')
        for i, doc in enumerate(docs):
            projects = doc.get("projects") if isinstance(doc, dict) else None
            if not isinstance(projects, list):
                raise ReadError(file, f'documents[{i}] to be an object with a "projects" list')
            for j, project in enumerate(projects):
                yield f"documents[{i}].projects[{j}]", project
    elif isinstance(data, list):
        for j, project in enumerate(data):
            yield f"[{j}]", project
    elif isinstance(data, dict):
        yield "project", data
    else:
        raise ReadError(file, "a JSON object or list of projects", found=type(data).__name__)
