"""Adding and editing provider organisations."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import EmailField, HiddenField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from provider_monitor.enums import Sector
from provider_monitor.forms.fields import (
    COMPANIES_HOUSE,
    CQC_PROVIDER_ID,
    PostcodeField,
    RadioChoiceField,
    TextField,
    matches,
    strip_or_none,
)

PROVIDER_FIELDS = (
    "name", "cqc_provider_id", "sector", "ownership_type", "companies_house_number", "address_line_1",
    "address_line_2", "town", "postcode", "contact_name", "contact_email", "contact_phone", "website",
)  # fmt: skip


class ProviderForm(FlaskForm):
    name = TextField(
        "Provider name",
        validators=[
            DataRequired("Enter the provider name"),
            Length(max=200, message="Provider name must be 200 characters or fewer"),
        ],
    )
    cqc_provider_id = TextField(
        "CQC provider ID",
        description="For example, 1-101641498. Leave blank if the provider is not registered with CQC.",
        validators=[matches(CQC_PROVIDER_ID, "Enter a CQC provider ID in the right format, like 1-101641498")],
    )
    sector = RadioChoiceField("Sector", Sector.choices(), "Select the sector")
    ownership_type = TextField(
        "Ownership type",
        description="For example, Organisation, Partnership or Individual",
        validators=[Length(max=80)],
    )
    companies_house_number = TextField(
        "Companies House number",
        validators=[
            matches(COMPANIES_HOUSE, "Enter a Companies House number of 8 characters, like 01234567 or SC123456")
        ],
        filters=[lambda v: v.upper().replace(" ", "") if isinstance(v, str) else v],
    )
    address_line_1 = TextField("Address line 1", validators=[Length(max=200)])
    address_line_2 = TextField("Address line 2 (optional)", validators=[Length(max=200)])
    town = TextField("Town or city", validators=[Length(max=100)])
    postcode = PostcodeField()
    contact_name = TextField("Contact name", validators=[Length(max=120)])
    contact_email = EmailField(
        "Contact email address",
        widget=TextField.widget,
        filters=[strip_or_none],
        validators=[Optional(), Email("Enter an email address in the right format, like name@example.com")],
    )
    contact_phone = TextField(
        "Contact telephone", validators=[Length(max=30, message="Telephone must be 30 characters or fewer")]
    )
    website = TextField("Website", validators=[Length(max=200)])
    version_id = HiddenField()
    submit = SubmitField("Save provider", widget=GovSubmitInput())

    def provider_data(self) -> dict:
        """Only the provider's own fields: nothing else in the POST can reach the model."""
        return {name: getattr(self, name).data for name in PROVIDER_FIELDS}
