"""Problems found in input: each names the file, and where known the row and column."""

from __future__ import annotations

from dataclasses import dataclass

from commonplan.errors import InputError


@dataclass(frozen=True)
class Problem:
    """One breach of the bundle rules, printed as ``FILE:ROW:COLUMN: message``.

    ``row`` counts the header as row 1 (for Parquet, the record number plus 1).
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        place = ":".join(str(part) for part in (self.file, self.row, self.column) if part is not None)
        return f"{place}: {self.message}"

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}


class BundleError(InputError):
    """The input cannot be used; ``problems`` lists every breach found, in one run."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))
