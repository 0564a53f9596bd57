"""Response shapes of the HSDS 3.0 API (`network/api.py`), after the spec's compiled schemas.

The properties carehub writes are typed here. A directory entry imported from another
HSDS publisher keeps the properties carehub has no columns for (`hsds_extra`), so every
object also allows further HSDS properties. Properties with no value are left out, as the
spec's examples do; only the ids are always present.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from ninja import Field, Schema
from pydantic import ConfigDict


class HsdsObject(Schema):
    """An HSDS object: the typed properties below plus any other HSDS property."""

    model_config = ConfigDict(extra="allow")


class ApiMetaOut(Schema):
    version: str = Field(description="HSDS version")
    profile: str = Field(description="URL of the HSDS profile the API follows")
    openapi_url: str


class PhoneOut(HsdsObject):
    id: str
    number: str | None = None


class ScheduleOut(HsdsObject):
    id: str
    description: str | None = Field(None, description="opening hours, as text")


class LanguageOut(HsdsObject):
    id: str
    name: str | None = None


class ServiceAreaOut(HsdsObject):
    id: str
    name: str | None = None
    description: str | None = Field(None, description='"County" or "ZIP codes"')
    extent: str | None = Field(None, description="the county, or the ZIP codes space-separated")
    extent_type: str | None = None


class TaxonomyTermOut(HsdsObject):
    id: str
    code: str | None = None
    name: str | None = None
    description: str | None = None
    taxonomy: str | None = None


class AttributeOut(HsdsObject):
    id: str
    link_type: str | None = None
    link_entity: str | None = None
    value: str | None = None
    taxonomy_term: TaxonomyTermOut | None = None


class AddressOut(HsdsObject):
    id: str
    address_1: str | None = None
    city: str | None = None
    region: str | None = None
    state_province: str | None = None
    postal_code: str | None = None
    country: str | None = None
    address_type: str | None = None


class LocationOut(HsdsObject):
    id: str
    name: str | None = None
    location_type: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    addresses: list[AddressOut] | None = None
    phones: list[PhoneOut] | None = None
    schedules: list[ScheduleOut] | None = None


class ServiceAtLocationOut(HsdsObject):
    """A service at a location; in lists also the service's and location's ids."""

    id: str
    description: str | None = None
    service_id: str | None = None
    location_id: str | None = None
    location: LocationOut | None = None


class ServiceOut(HsdsObject):
    """A service: in lists (`service_list`) only its one-to-one properties; as a document
    (or with `full=true`) also its attributes, organisation and locations."""

    id: str
    organization_id: str
    name: str | None = None
    description: str | None = None
    status: str | None = None
    eligibility_description: str | None = None
    wait_time: str | None = Field(None, description="capacity: accepting, waitlist or closed")
    assured_date: str | None = Field(None, description="date the entry was last verified")
    assurer_email: str | None = None
    last_modified: str | None = None
    languages: list[LanguageOut] | None = None
    service_areas: list[ServiceAreaOut] | None = None
    schedules: list[ScheduleOut] | None = None
    attributes: list[AttributeOut] | None = None
    organization: OrganizationOut | None = None
    service_at_locations: list[ServiceAtLocationOut] | None = None


class OrganizationOut(HsdsObject):
    """An organisation: in lists only its one-to-one properties; as a document also its
    locations and services."""

    id: str
    name: str | None = None
    description: str | None = None
    email: str | None = None
    website: str | None = None
    tax_id: str | None = None
    phones: list[PhoneOut] | None = None
    locations: list[LocationOut] | None = None
    services: list[ServiceOut] | None = None


ServiceOut.model_rebuild()

Item = TypeVar("Item")


class Page(Schema, Generic[Item]):
    """The spec's Page envelope around one page of a list."""

    total_items: int
    total_pages: int
    page_number: int
    size: int = Field(description="items on this page")
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[Item]


class ServicePage(Page[ServiceOut]):
    pass


class OrganizationPage(Page[OrganizationOut]):
    pass


class ServiceAtLocationPage(Page[ServiceAtLocationOut]):
    pass
