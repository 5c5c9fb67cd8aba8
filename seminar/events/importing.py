"""Importing municipalities from CSV (columns region,name,kind)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from .models import Municipality, Region


class MunicipalityImportError(Exception):
    pass


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_municipalities(text: str) -> ImportResult:
    """Add or update municipalities; running the same file twice changes nothing."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"region", "name", "kind"} - set(reader.fieldnames or ())
    if missing:
        raise MunicipalityImportError(f"missing columns: {', '.join(sorted(missing))}")
    result = ImportResult()
    regions: dict[str, Region] = {}
    for line, row in enumerate(reader, start=2):
        region_name, name = (row["region"] or "").strip(), (row["name"] or "").strip()
        kind = (row["kind"] or "").strip()
        if not region_name or not name:
            raise MunicipalityImportError(f"line {line}: region and name are required")
        region = regions.get(region_name) or _region(region_name)
        regions[region_name] = region
        municipality = db.session.scalar(select(Municipality).where(
            Municipality.region_id == region.id, Municipality.name == name))
        if municipality is None:
            db.session.add(Municipality(region=region, name=name, kind=kind))
            result.created += 1
        elif municipality.kind != kind:
            municipality.kind = kind
            result.updated += 1
        else:
            result.unchanged += 1
    db.session.flush()
    return result


def _region(name: str) -> Region:
    region = db.session.scalar(select(Region).where(Region.name == name))
    if region is None:
        region = Region(name=name)
        db.session.add(region)
        db.session.flush()
    return region
