"""The revision that adds partner_record_name_key (e1f523354853) files the records already
stored, so that search finds them the day it is deployed."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import DateTime, MetaData, String, Table, insert, select

from app.database import utcnow
from app.extensions import db
from app.names.keys import keys_for_names
from app.records.models import PartnerRecord, PartnerRecordNameKey, PartnerSource
from tests.conftest import app_on

BEFORE = "a1fb1a7c66cb"


def test_the_records_stored_before_get_their_keys(fresh_database):
    application = app_on(fresh_database())
    with application.app_context():
        upgrade(revision=BEFORE)
        source_id = db.session.execute(
            insert(PartnerSource.__table__).values(name="Old register", organisation="")
        ).inserted_primary_key[0]
        # The table as it was then (the model's has columns added since, which an insert would
        # fill); its other required columns get an empty text or now.
        old = Table("partner_record", MetaData(), autoload_with=db.session.connection())
        common: dict = {
            column.name: utcnow() if isinstance(column.type, DateTime) else ""
            for column in old.columns
            if not column.nullable
            and column.server_default is None
            and isinstance(column.type, String | DateTime)
        }
        common.update(source_id=source_id, raw={}, row_hash="x", sex="unknown")
        db.session.execute(
            insert(old),
            [
                {**common, "external_id": "1", "family_name": "Дубина", "given_name": "Олена"},
                {**common, "external_id": "2", "family_name": "", "given_name": ""},
            ],
        )
        db.session.commit()
        upgrade()
        filed = db.session.execute(
            select(PartnerRecord.external_id, PartnerRecordNameKey.key).join(
                PartnerRecordNameKey, PartnerRecordNameKey.record_id == PartnerRecord.id
            )
        ).all()
        assert {key for _id, key in filed} == keys_for_names(["Дубина", "Олена"])
        assert {external_id for external_id, _key in filed} == {"1"}
        db.session.remove()
        db.engine.dispose()
