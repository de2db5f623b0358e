"""Services (CQC "locations"), external and council-run, regulated or not."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provider_monitor.enums import ContractType, RegistrationStatus, ServiceStatus, ServiceType
from provider_monitor.models.area import District, Ward
from provider_monitor.models.base import Base, TimestampMixin, VersionedMixin, enum_column
from provider_monitor.models.provider import Provider
from provider_monitor.models.user import User


class Service(TimestampMixin, VersionedMixin, Base):
    __tablename__ = "service"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    cqc_location_id: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    service_type: Mapped[ServiceType] = mapped_column(enum_column(ServiceType), index=True)
    regulated: Mapped[bool] = mapped_column(index=True)
    registration_status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus), index=True)
    registration_date: Mapped[date | None]
    address_line_1: Mapped[str | None] = mapped_column(sa.String(200))
    address_line_2: Mapped[str | None] = mapped_column(sa.String(200))
    town: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    postcode: Mapped[str | None] = mapped_column(sa.String(8), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    district_code: Mapped[str | None] = mapped_column(sa.ForeignKey("district.code"), index=True)
    ward_code: Mapped[str | None] = mapped_column(sa.ForeignKey("ward.code"), index=True)
    capacity: Mapped[int | None]
    client_groups: Mapped[str | None] = mapped_column(sa.String(300))
    contract_reference: Mapped[str | None] = mapped_column(sa.String(40))
    contract_type: Mapped[ContractType | None] = mapped_column(enum_column(ContractType))
    contract_start: Mapped[date | None]
    contract_end: Mapped[date | None]
    contract_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    link_officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    status: Mapped[ServiceStatus] = mapped_column(enum_column(ServiceStatus), default=ServiceStatus.ACTIVE)

    provider: Mapped[Provider] = relationship(back_populates="services", lazy="raise")
    district: Mapped[District | None] = relationship(lazy="raise")
    ward: Mapped[Ward | None] = relationship(lazy="raise")
    contract_manager: Mapped[User | None] = relationship(foreign_keys=[contract_manager_id], lazy="raise")
    link_officer: Mapped[User | None] = relationship(foreign_keys=[link_officer_id], lazy="raise")

    __table_args__ = (
        # Sorting the register by name is the commonest query; keep it an index scan.
        sa.Index("ix_service_name_id", "name", "id"),
    )

    def __repr__(self) -> str:
        return f"<Service {self.id} {self.name!r}>"
