"""The audit trail records creates, updates and deletes, with who and what changed."""

import sqlalchemy as sa

from provider_monitor.enums import Sector
from provider_monitor.extensions import db
from provider_monitor.models import AuditEvent, Provider
from provider_monitor.services.audit import Actor, history_for, reset_actor, set_actor


def test_create_update_and_delete_are_recorded_with_the_actor(app_ctx):
    token = set_actor(Actor(user_id=None, label="Test runner"))
    try:
        provider = Provider(name="Acorn Care", sector=Sector.INDEPENDENT)
        db.session.add(provider)
        db.session.commit()
        provider.name = "Acorn Care Ltd"
        provider.town = "Retford"
        db.session.commit()
        db.session.delete(provider)
        db.session.commit()
    finally:
        reset_actor(token)
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert all(e.actor_label == "Test runner" for e in events)
    assert events[0].changes["name"] == [None, "Acorn Care"]
    assert events[0].changes["sector"] == [None, "independent"]
    assert events[1].changes == {"name": ["Acorn Care", "Acorn Care Ltd"], "town": [None, "Retford"]}
    assert events[2].changes["name"] == ["Acorn Care Ltd", None]


def test_an_unchanged_save_records_nothing(app_ctx):
    provider = Provider(name="Same", sector=Sector.NHS)
    db.session.add(provider)
    db.session.commit()
    provider.name = "Same"
    db.session.commit()
    assert len(history_for(db.session, "provider", provider.id)) == 1


def test_a_rolled_back_change_leaves_no_audit_row(app_ctx):
    db.session.add(Provider(name="Never saved", sector=Sector.NHS))
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0
