"""Models as JSON for the API: explicit fields only, never whole rows."""

from __future__ import annotations

from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service


def _iso(value):
    return value.isoformat() if value is not None else None


def service_json(service: Service) -> dict:
    """A service with its provider and district (both must be loaded with it)."""
    return {
        "id": service.id,
        "name": service.name,
        "provider_id": service.provider_id,
        "provider_name": service.provider.name,
        "cqc_location_id": service.cqc_location_id,
        "service_type": service.service_type.value,
        "sector": service.provider.sector.value,
        "regulated": service.regulated,
        "registration_status": service.registration_status.value,
        "registration_date": _iso(service.registration_date),
        "status": service.status.value,
        "address_line_1": service.address_line_1,
        "address_line_2": service.address_line_2,
        "town": service.town,
        "postcode": service.postcode,
        "latitude": service.latitude,
        "longitude": service.longitude,
        "district_code": service.district_code,
        "district_name": service.district.name if service.district else None,
        "ward_code": service.ward_code,
        "capacity": service.capacity,
        "link_officer_id": service.link_officer_id,
        "contract_manager_id": service.contract_manager_id,
        "contract_end": _iso(service.contract_end),
        "updated_at": _iso(service.updated_at),
    }


def provider_json(provider: Provider, service_count: int) -> dict:
    return {
        "id": provider.id,
        "name": provider.name,
        "cqc_provider_id": provider.cqc_provider_id,
        "sector": provider.sector.value,
        "ownership_type": provider.ownership_type,
        "companies_house_number": provider.companies_house_number,
        "town": provider.town,
        "postcode": provider.postcode,
        "service_count": service_count,
        "updated_at": _iso(provider.updated_at),
    }
