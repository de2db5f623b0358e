"""Districts and wards the council covers, from ONS boundaries (codes like E07000170)."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from provider_monitor.models.base import Base


class District(Base):
    __tablename__ = "district"

    code: Mapped[str] = mapped_column(sa.String(9), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))


class Ward(Base):
    __tablename__ = "ward"

    code: Mapped[str] = mapped_column(sa.String(9), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    district_code: Mapped[str] = mapped_column(sa.ForeignKey("district.code"), index=True)
