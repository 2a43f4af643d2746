"""Every bound on what the API and the pages accept, defined once: the request schemas, the forms
and the "Limits" table of docs/api.md (checked against these constants by a test) all read them.
Nothing unbounded reaches the database or the open books; a string with a NUL character, which
PostgreSQL cannot store, is refused alike on either database."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# bounds whose rules live elsewhere, read here by the schemas, the forms and the docs' table
from commonplan.app.acts.disputes import MAX_REASON as MAX_REASON
from commonplan.app.acts.reports import MAX_CORRECTIONS as MAX_CORRECTIONS
from commonplan.app.acts.revisions import MAX_REVISIONS as MAX_REVISIONS
from commonplan.app.reports import MAX_REPORT_BYTES as MAX_REPORT_BYTES
from commonplan.democracy.pay import MAX_RATE as MAX_RATE
from commonplan.errors import InputError
from commonplan.execution.reports import MAX_LINES
from commonplan.store.accounts import MAX_EMAIL as MAX_EMAIL
from commonplan.store.accounts import MAX_EMAIL_LOCAL as MAX_EMAIL_LOCAL
from commonplan.store.accounts import email_too_long

MAX_ID = 2**31 - 1  # an integer key, offset or size: what an INTEGER column of either database holds
MAX_NAME = 200  # characters of a name, title, public name, feature or upload name
MAX_QUESTION = 500  # characters of a ballot's question
MAX_CODE = 20  # characters of a code word (a council's level, its recall fraction)
MAX_PASSWORD = 1024  # characters of a password (argon2 hashes any length: this bounds the work)
MAX_ITEMS = 100  # items of a typed list (offices drawn, quotas) or keys of a volunteer's features
MAX_CHOICES = 200  # values of one repeated form field (candidates, projects, ranks, choices)
MAX_FORM_TEXT = 4000  # characters of a form's free-text box (products, quotas, features, plans)
MAX_HOURS = 1e6  # hours paid for at once
MAX_TARGET = 1000  # characters of the technique or product a dispute of a target names
JSON_BYTES = 64 * 1024  # octets of a free-form JSON value, serialized as UTF-8
JSON_DEPTH = 4  # nesting of lists and objects in it (a scalar is depth 0, [1] depth 1)
JSON_ITEMS = 10_000  # items of any one list or object in it
JSON_STRING = 200  # characters of any string in it, object keys included
JSON_INTEGER = 2**53 - 1  # largest integer magnitude in it (what every JSON reader holds exactly)
PAGE_DEFAULT = 100  # rows of a listing when ``limit`` is not given
PAGE_MAX = 100  # rows of a listing at most (what `limit` may ask)
WEB_PAGE = 50  # rows of a web page's listing
MAX_BODY = 2**20  # octets of a request body other than an uploaded bundle (413 beyond)
MAX_REPORT_LINES = MAX_LINES  # lines of a workplace's report (execution.reports)
MULTIPART_SLACK = 2**20  # octets an upload's body may have beside its bundle (names, boundaries)


class Unbounded(InputError):
    """A value past one of the bounds above; the message says which and where."""


def without_nul(text: str) -> str:
    """``text``, refused when it holds a NUL character (PostgreSQL cannot store one)."""
    if "\x00" in text:
        raise ValueError(f"must not contain the NUL character (\\u0000), at position {text.index(chr(0))}")
    return text


def email_address(text: str) -> str:
    """``text`` when it fits RFC 5321's lengths (the accounts' rule, store.accounts)."""
    if too_long := email_too_long(text.strip()):
        raise ValueError(too_long)
    return text


def bounded_json(value: Any) -> Any:
    """``value`` when its nesting, lists, objects, strings, numbers and serialized size are all
    within the JSON_* bounds; Unbounded naming the first breach and its path otherwise."""
    _walk(value, "", 0)
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size > JSON_BYTES:
        raise Unbounded(f"is {size} octets as JSON: at most {JSON_BYTES}")
    return value


def _walk(value: Any, path: str, depth: int) -> None:
    where = f" at {path}" if path else ""
    if isinstance(value, dict | list):
        if depth + 1 > JSON_DEPTH:
            raise Unbounded(f"nests lists and objects deeper than {JSON_DEPTH}{where}")
        if len(value) > JSON_ITEMS:
            raise Unbounded(f"has {len(value)} items{where}: at most {JSON_ITEMS}")
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in pairs:
            if isinstance(key, str):
                _string(key, f"{path}{'.' if path else ''}{key[:20]!r} (a key)")
            _walk(item, f"{path}{'.' if path else ''}{key if isinstance(key, int) else repr(key[:20])}",
                  depth + 1)
    elif isinstance(value, str):
        _string(value, path)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > JSON_INTEGER:
            raise Unbounded(f"has an integer beyond +-{JSON_INTEGER}{where}")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Unbounded(f"has a number that is not finite ({value}){where}")
    else:
        raise Unbounded(f"has a value that is not JSON ({type(value).__name__}){where}")


def _string(text: str, path: str) -> None:
    where = f" at {path}" if path else ""
    if len(text) > JSON_STRING:
        raise Unbounded(f"has a string of {len(text)} characters{where}: at most {JSON_STRING}")
    if "\x00" in text:
        raise Unbounded(f"has a string with the NUL character (\\u0000){where}")


# The types of the requests' fields (strict: JSON true is not 1, "5" is not 5).
Name = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_NAME),
                 AfterValidator(without_nul)]
OptionalName = Annotated[str, StringConstraints(strict=True, max_length=MAX_NAME),
                         AfterValidator(without_nul)]
Question = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_QUESTION),
                     AfterValidator(without_nul)]
Code = Annotated[str, StringConstraints(strict=True, max_length=MAX_CODE), AfterValidator(without_nul)]
Email = Annotated[str, StringConstraints(strict=True, max_length=MAX_EMAIL), AfterValidator(without_nul),
                  AfterValidator(email_address)]
Password = Annotated[str, StringConstraints(strict=True, max_length=MAX_PASSWORD),
                     AfterValidator(without_nul)]
Key = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
Rate = Annotated[float, Field(strict=True, ge=0, le=MAX_RATE, allow_inf_nan=False)]
Hours = Annotated[float, Field(strict=True, gt=0, le=MAX_HOURS, allow_inf_nan=False)]
Json = Annotated[Any, AfterValidator(bounded_json)]
JsonObject = Annotated[dict[str, Any], AfterValidator(bounded_json)]


class Strict(BaseModel):
    """A request body of strict types: JSON ``true`` is not 1, ``"5"`` is not 5 (service.limits)."""

    model_config = ConfigDict(strict=True)
