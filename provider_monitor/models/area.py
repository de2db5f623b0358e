"""Districts and wards the council covers, from ONS boundaries (codes like E07000170)."""

from datetime import datetime

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


class Boundary(Base):
    """One ONS boundary (county, district or ward) as GeoJSON in EPSG:4326, loaded by `geo load`."""

    __tablename__ = "boundary"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), index=True)
    code: Mapped[str] = mapped_column(sa.String(9))
    name: Mapped[str] = mapped_column(sa.String(100))
    # The district of a ward, the county of a district; null when the file does not say.
    parent_code: Mapped[str | None] = mapped_column(sa.String(9), index=True)
    geojson: Mapped[str] = mapped_column(sa.Text)
    label_lon: Mapped[float | None]
    label_lat: Mapped[float | None]
    loaded_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("kind", "code", name="uq_boundary_kind_code"),)
