"""Admin settings for the CQC API."""

from __future__ import annotations

import math
import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from provider_monitor.forms.fields import TextField

AUTHORITY_NAME = re.compile(r"^[A-Za-z][A-Za-z .,'&()\-]{0,79}$")
MAX_AUTHORITIES = 20
RATE_RANGE = (0.1, 10.0)


def authority_names(text: str | None) -> list[str]:
    """'Nottinghamshire, , Derbyshire' → ['Nottinghamshire', 'Derbyshire'] (spaces tidied, repeats dropped)."""
    seen, names = set(), []
    for part in (text or "").split(","):
        name = " ".join(part.split())
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


class RateField(StringField):
    """A number of requests a second; blank means the server's setting."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        self._problem = None
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = float(raw)
            if not math.isfinite(self.data):
                raise ValueError
        except ValueError:
            self.data = None
            self._problem = f"{self.label.text} must be a number, like 5"

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:g}"

    def pre_validate(self, form):
        if getattr(self, "_problem", None):
            raise ValidationError(self._problem)
        low, high = RATE_RANGE
        if self.data is not None and not low <= self.data <= high:
            raise ValidationError(f"{self.label.text} must be between {low:g} and {high:g}")


class CQCSettingsForm(FlaskForm):
    subscription_key = PasswordField(
        "New subscription key",
        widget=GovPasswordInput(),
        description="The primary key from the CQC API portal. Leave blank to keep the key already saved.",
        validators=[
            Regexp(r"^[A-Za-z0-9]*$", message="Subscription key must contain only letters and numbers"),
            Length(max=200, message="Subscription key must be 200 characters or fewer"),
        ],
    )
    remove_key = BooleanField(
        "Remove the saved key",
        widget=GovCheckboxInput(),
        description="For example if the key has been shared by mistake or the subscription has ended.",
    )
    local_authorities = TextField(
        "Local authorities",
        description="CQC’s names for the councils whose services belong on the register, separated by commas, "
        "for example Nottinghamshire",
        validators=[
            DataRequired("Enter at least one local authority"),
            Length(max=500, message="Local authorities must be 500 characters or fewer"),
        ],
    )
    requests_per_second = RateField(
        "Requests per second",
        description="How fast to call the CQC API. Leave blank for the server’s setting (5).",
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    def validate_subscription_key(self, field):
        if field.data and len(field.data) < 16:
            raise ValidationError("Subscription key must be at least 16 characters")
        if field.data and self.remove_key.data:
            raise ValidationError("Enter a new key or remove the saved one, not both")

    def validate_local_authorities(self, field):
        names = authority_names(field.data)
        if not names:
            raise ValidationError("Enter at least one local authority")
        wrong = [name for name in names if not AUTHORITY_NAME.match(name)]
        if wrong:
            raise ValidationError(
                "Local authority names can only have letters, spaces, hyphens, apostrophes and brackets, "
                "separated by commas"
            )
        if len(names) > MAX_AUTHORITIES:
            raise ValidationError(f"Enter {MAX_AUTHORITIES} local authorities or fewer")
