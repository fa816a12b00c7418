"""The audit log records who did what and why, and refuses to be rewritten."""
import pytest

from app import audit
from app.extensions import db
from app.models.audit import AuditLogIsAppendOnly
from tests.factories import make_user


def test_record_and_read_back_newest_first(app):
    admin = make_user("ada", role="admin")
    audit.record(admin, "user.suspend", "user", 7, "  spam  ", before={"suspended": False}, after={"suspended": True})
    audit.record(None, "segment.hold", "segment", "aZ3kQ9xY2mN1", "classifier score 0.91")
    db.session.commit()

    newest, oldest = audit.history()
    assert (newest.action, newest.actor_id, newest.target_id) == ("segment.hold", None, "aZ3kQ9xY2mN1")
    assert (oldest.actor_id, oldest.reason, oldest.after) == (admin.id, "spam", {"suspended": True})
    assert [e.action for e in audit.history("user", 7)] == ["user.suspend"]


def test_entries_cannot_be_changed_or_deleted(app):
    entry = audit.record(None, "topic.create", "topic", 1, "new topic")
    db.session.commit()
    entry.reason = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
