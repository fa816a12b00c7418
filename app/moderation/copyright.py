"""Copyright notices and counter-notices (the DMCA's notice-and-takedown, 17 U.S.C. § 512).

A notice with the statutory fields puts the segment it names in the queue with high severity;
a moderator removes it (its media quarantined, not deleted) and strikes the writer, which is
how repeat infringers lose their accounts. The writer may answer with a counter-notice, which
puts the segment back in the queue to be restored once the claimant has been told and has not
gone to court within the waiting period. Each step lands in the audit log.
"""
from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.mail import send_mail
from app.models import CopyrightClaim, Segment, User
from app.moderation.cases import open_case

#: a segment's public id inside an address: /segments/<id>/..., #segment-<id>, /media/segments/<id>/...
_SEGMENT_IN_URL = re.compile(r"segments?[/#=-]([A-Za-z0-9]{12})(?![A-Za-z0-9])")
NOTICE_FIELDS = ("work", "material_url", "name", "address", "phone", "email", "signature")
COUNTER_FIELDS = ("material_url", "name", "address", "phone", "email", "signature")


class ClaimRefused(ValueError):
    """The notice or counter-notice is incomplete or names nothing; the message says what to fix."""


def segment_named_in(url: str) -> Segment:
    match = _SEGMENT_IN_URL.search(url or "")
    segment = db.session.scalar(select(Segment).where(Segment.public_id == match.group(1))) if match else None
    if segment is None:
        raise ClaimRefused("We couldn't find a segment at that address. Copy the link of the segment itself: "
                           "it contains /segments/… or #segment-… followed by 12 letters and digits.")
    return segment


def file_notice(fields: dict) -> CopyrightClaim:
    """Record a notice and queue its segment. Commits."""
    _require(fields, NOTICE_FIELDS)
    if not (fields.get("good_faith") and fields.get("accurate")):
        raise ClaimRefused("A notice needs both statements: good faith, and accuracy under penalty of perjury.")
    segment = segment_named_in(fields["material_url"])
    claim = CopyrightClaim(kind="notice", segment_ref=segment.public_id, fields=_clean(fields), status="received")
    db.session.add(claim)
    db.session.flush()
    open_case("segment", segment.public_id, source="copyright", severity=75, writer_id=segment.author_id,
              summary=f"Copyright notice {claim.id} from {fields['name']}: {fields['work']}",
              evidence={"copyright_notice": claim.id})
    audit.record(None, "copyright.notice", "segment", segment.public_id, f"notice {claim.id} from {fields['name']}",
                 after={"claim": claim.id, "work": fields["work"]})
    db.session.commit()
    return claim


def file_counter_notice(writer: User, fields: dict) -> CopyrightClaim:
    """The writer's counter-notice to the latest notice on their segment; queues the segment for restoring. Commits."""
    _require(fields, COUNTER_FIELDS)
    if not (fields.get("mistake") and fields.get("consent")):
        raise ClaimRefused("A counter-notice needs both statements: removal by mistake under penalty of perjury, "
                           "and consent to the court's jurisdiction.")
    segment = segment_named_in(fields["material_url"])
    if segment.author_id != writer.id:
        raise ClaimRefused("Only the writer of a segment can send a counter-notice for it.")
    notice = db.session.scalar(select(CopyrightClaim).where(CopyrightClaim.segment_ref == segment.public_id,
                                                            CopyrightClaim.kind == "notice")
                               .order_by(CopyrightClaim.id.desc()))
    if notice is None:
        raise ClaimRefused("No copyright notice was received for that segment.")
    claim = CopyrightClaim(kind="counter", segment_ref=segment.public_id, notice_id=notice.id, fields=_clean(fields),
                           status="received")
    db.session.add(claim)
    db.session.flush()
    days = current_app.config["COPYRIGHT_RESTORE_BUSINESS_DAYS"]
    open_case("segment", segment.public_id, source="copyright", severity=60, writer_id=writer.id,
              summary=(f"Counter-notice {claim.id} to notice {notice.id}: restore after {days} business days "
                       "unless the claimant tells us they have filed suit."),
              evidence={"copyright_counter": claim.id})
    audit.record(writer, "copyright.counter", "segment", segment.public_id, f"counter-notice {claim.id} to notice {notice.id}",
                 after={"claim": claim.id})
    send_mail(notice.fields["email"], "A counter-notice to your copyright notice",
              f"Hello {notice.fields['name']},\n\nThe writer of the material you reported sent a counter-notice.\n"
              f"We will restore it after {days} business days unless you tell us you have filed an action seeking "
              f"a court order against them.\n\nCounter-notice from: {fields['name']}, {fields['address']}, {fields['email']}\n")
    db.session.commit()
    return claim


def _require(fields: dict, names: tuple[str, ...]) -> None:
    missing = [n.replace("_", " ") for n in names if not str(fields.get(n) or "").strip()]
    if missing:
        raise ClaimRefused("Fill in every field the law asks for: " + ", ".join(missing) + ".")


def _clean(fields: dict) -> dict:
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items() if k not in ("csrf_token", "submit")}
