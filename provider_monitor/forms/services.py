"""Adding and editing services on the register."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from provider_monitor.enums import ContractType, RegistrationStatus, ServiceStatus, ServiceType
from provider_monitor.forms.fields import (
    CQC_LOCATION_ID,
    ChoiceField,
    GovDateField,
    OptionalIntegerField,
    PostcodeField,
    RadioChoiceField,
    TextField,
    matches,
)

SERVICE_FIELDS = (
    "provider_id", "name", "cqc_location_id", "service_type", "regulated", "registration_status",
    "registration_date", "address_line_1", "address_line_2", "town", "postcode", "latitude", "longitude",
    "capacity", "client_groups", "contract_reference", "contract_type", "contract_start", "contract_end",
    "contract_manager_id", "link_officer_id", "status",
)  # fmt: skip


class CoordinateField(TextField):
    """A decimal degree; blank means not known."""

    def __init__(self, label, low: float, high: float, **kwargs):
        super().__init__(label, **kwargs)
        self.low, self.high = low, high

    def pre_validate(self, form):
        if self.data is None:
            return
        try:
            value = float(self.data)
        except ValueError:
            raise ValidationError(f"{self.label.text} must be a number, like {self.low + 1:.4f}") from None
        if not self.low <= value <= self.high:
            raise ValidationError(
                f"{self.label.text} must be between {self.low} and {self.high} for a place in England"
            )
        self.data = value


class ServiceForm(FlaskForm):
    provider_id = ChoiceField(
        "Provider", blank="Choose a provider", validators=[DataRequired("Select the provider")], coerce=int
    )
    name = TextField(
        "Service name",
        validators=[
            DataRequired("Enter the service name"),
            Length(max=200, message="Service name must be 200 characters or fewer"),
        ],
    )
    service_type = ChoiceField(
        "Service type",
        blank="Choose a service type",
        choices=ServiceType.choices(),
        validators=[DataRequired("Select the service type")],
    )
    regulated = RadioChoiceField(
        "Is the service regulated by CQC?",
        [("yes", "Yes"), ("no", "No")],
        "Select yes if the service is regulated by CQC",
    )
    cqc_location_id = TextField(
        "CQC location ID",
        description="For example, 1-1000210669",
        validators=[matches(CQC_LOCATION_ID, "Enter a CQC location ID in the right format, like 1-1000210669")],
    )
    registration_status = ChoiceField(
        "Registration status",
        choices=RegistrationStatus.choices(),
        validators=[DataRequired("Select the registration status")],
    )
    registration_date = GovDateField("Registration date", description="For example, 27 3 2019")
    address_line_1 = TextField("Address line 1", validators=[Length(max=200)])
    address_line_2 = TextField("Address line 2 (optional)", validators=[Length(max=200)])
    town = TextField("Town or city", validators=[Length(max=100)])
    postcode = PostcodeField()
    latitude = CoordinateField("Latitude", 49.8, 55.9)
    longitude = CoordinateField("Longitude", -6.5, 1.8)
    capacity = OptionalIntegerField("Beds or places", maximum=5000)
    client_groups = TextField(
        "Client groups",
        description="For example, older people, dementia, learning disabilities",
        validators=[Length(max=300)],
    )
    contract_reference = TextField("Contract reference", validators=[Length(max=40)])
    contract_type = ChoiceField("Contract type", blank="No contract", choices=ContractType.choices())
    contract_start = GovDateField("Contract start date")
    contract_end = GovDateField("Contract end date")
    contract_manager_id = ChoiceField("Contract manager", blank="Not assigned", coerce=int)
    link_officer_id = ChoiceField("Link officer", blank="Not assigned", coerce=int)
    status = ChoiceField("Status", choices=ServiceStatus.choices(), default=ServiceStatus.ACTIVE.value)
    version_id = HiddenField()
    submit = SubmitField("Save service", widget=GovSubmitInput())

    def validate_cqc_location_id(self, field):
        if self.regulated.data == "yes" and not field.data:
            raise ValidationError("Enter the CQC location ID of a regulated service")
        if self.regulated.data == "no" and field.data:
            raise ValidationError("Remove the CQC location ID, or select yes: only regulated services have one")

    def validate_registration_status(self, field):
        if self.regulated.data == "no" and field.data != RegistrationStatus.NOT_REGISTERED:
            raise ValidationError("Select ‘Not registered with CQC’ for a service CQC does not regulate")
        if self.regulated.data == "yes" and field.data == RegistrationStatus.NOT_REGISTERED:
            raise ValidationError("Select registered or deregistered for a service CQC regulates")

    def validate_contract_end(self, field):
        if field.data and self.contract_start.data and field.data < self.contract_start.data:
            raise ValidationError("Contract end date must be the same as or after the contract start date")

    def validate_longitude(self, field):
        if (self.latitude.data is None) != (field.data is None):
            raise ValidationError("Enter both latitude and longitude, or neither")

    def service_data(self) -> dict:
        """Only the service's own fields: nothing else in the POST can reach the model."""
        data = {name: getattr(self, name).data for name in SERVICE_FIELDS}
        data["regulated"] = self.regulated.data == "yes"
        return data
