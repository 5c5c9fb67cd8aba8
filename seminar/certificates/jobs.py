"""Queue jobs of certificates: building a large event's ZIP off the web worker."""
from __future__ import annotations

from ..dbtypes import utcnow
from ..extensions import db
from ..links import public_url
from ..queue import job
from . import bundles


@job()
def build_certificate_zip(bundle_id: int) -> None:
    """Build the ZIP the organiser asked for; the certificates page then offers it."""
    try:
        bundles.build_bundle(bundle_id, lambda code: public_url("certificates.verify", code=code), utcnow())
        db.session.commit()
    except Exception:
        db.session.rollback()
        bundle = db.session.get(bundles.CertificateBundle, bundle_id)
        if bundle is not None:
            bundle.status = bundles.FAILED
            db.session.commit()
        raise
