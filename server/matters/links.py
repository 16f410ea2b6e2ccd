"""Reading the links between matters (``matter_links``); :func:`huiyin.server.matters.workflow.act` writes them."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from huiyin.core.domain import LinkKind, Status
from huiyin.core.schemas import LinkOut
from huiyin.server.storage.models import Matter, MatterLink, stored_id


def links_of(session: Session, matter_id: int) -> list[LinkOut]:
    """The matters linked to this one, oldest link first: ``outgoing`` when the link was made on this matter
    (for a duplicate: this one is the duplicate), ``incoming`` when it was made on the other."""
    rows = session.exec(select(MatterLink).where(or_(col(MatterLink.matter_id) == matter_id,
                                                     col(MatterLink.other_id) == matter_id))
                        .order_by(col(MatterLink.id))).all()
    if not rows:
        return []
    ids = {r.other_id if r.matter_id == matter_id else r.matter_id for r in rows}
    others = {stored_id(m): m for m in session.exec(select(Matter).where(col(Matter.id).in_(ids)))}
    out = []
    for r in rows:
        outgoing = r.matter_id == matter_id
        other = others[r.other_id if outgoing else r.matter_id]
        out.append(LinkOut(number=other.number, title=other.title, status=Status(other.status),
                           kind=LinkKind(r.kind), direction="outgoing" if outgoing else "incoming"))
    return out
