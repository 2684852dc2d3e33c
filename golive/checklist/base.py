"""The base of the checklist's pydantic models and the shapes they share."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]*$"
Severity = Literal["blocking", "advisory"]
Mode = Literal["live", "test"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
