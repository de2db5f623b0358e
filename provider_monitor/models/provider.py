"""Provider organisations (CQC "providers"), including the council itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provider_monitor.enums import Sector
from provider_monitor.models.base import Base, TimestampMixin, VersionedMixin, enum_column

if TYPE_CHECKING:
    from provider_monitor.models.service import Service
    from provider_monitor.models.user import User


class Provider(TimestampMixin, VersionedMixin, Base):
    __tablename__ = "provider"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    cqc_provider_id: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    sector: Mapped[Sector] = mapped_column(enum_column(Sector), index=True)
    ownership_type: Mapped[str | None] = mapped_column(sa.String(80))
    companies_house_number: Mapped[str | None] = mapped_column(sa.String(8))
    address_line_1: Mapped[str | None] = mapped_column(sa.String(200))
    address_line_2: Mapped[str | None] = mapped_column(sa.String(200))
    town: Mapped[str | None] = mapped_column(sa.String(100))
    postcode: Mapped[str | None] = mapped_column(sa.String(8))
    contact_name: Mapped[str | None] = mapped_column(sa.String(120))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))
    website: Mapped[str | None] = mapped_column(sa.String(200))

    services: Mapped[list[Service]] = relationship(back_populates="provider", lazy="raise")
    users: Mapped[list[User]] = relationship(back_populates="provider", lazy="raise")

    def __repr__(self) -> str:
        return f"<Provider {self.id} {self.name!r}>"
