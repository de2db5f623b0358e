"""Declarative base: naming convention, UTC timestamps, optimistic version counter."""

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names give clean Alembic diffs and let us map IntegrityErrors to form fields.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Store naive UTC, return aware UTC: SQLite drops time zones, PostgreSQL keeps them."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


def enum_column(enum: type[StrEnum], **kwargs) -> sa.Enum:
    """A portable enum stored as its value in a VARCHAR."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        **kwargs,
    )


class Base(DeclarativeBase):
    # On the registry, not the class: Flask-SQLAlchemy subclasses this base for db.Model.
    registry = sa.orm.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, sort_order=900)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, sort_order=901)


class VersionedMixin:
    """Optimistic locking: an UPDATE that finds another editor's version raises StaleDataError."""

    version_id: Mapped[int] = mapped_column(nullable=False, default=1, sort_order=902)

    @sa.orm.declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version_id}
