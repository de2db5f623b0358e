"""Admin settings for the CQC API."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from provider_monitor.forms.fields import TextField


class CQCSettingsForm(FlaskForm):
    subscription_key = PasswordField(
        "New subscription key",
        widget=GovPasswordInput(),
        description="The primary key from the CQC API portal. Leave blank to keep the key already saved.",
        validators=[Length(max=200, message="Subscription key must be 200 characters or fewer"),
                    Regexp(r"^[A-Za-z0-9]*$", message="Subscription key must contain only letters and numbers")],
    )  # fmt: skip
    local_authorities = TextField(
        "Local authorities",
        description="CQC’s names for the councils whose services belong on the register, separated by commas, "
        "for example Nottinghamshire",
        validators=[DataRequired("Enter at least one local authority"),
                    Length(max=500, message="Local authorities must be 500 characters or fewer")],
    )  # fmt: skip
    submit = SubmitField("Save settings", widget=GovSubmitInput())
