"""Queue jobs of certificates: building a large event's ZIP off the web worker."""
from __future__ import annotations

from ..dbtypes import utcnow
from ..links import public_url
from ..prepared.jobs import run_build
from ..queue import job
from . import bundles


@job()
def build_certificate_zip(file_id: int) -> None:
    """Build the ZIP the organiser asked for; the certificates page then offers it."""
    run_build(file_id, lambda file, report: bundles.build_bundle(
        file, report, lambda code: public_url("certificates.verify", code=code), utcnow()))
