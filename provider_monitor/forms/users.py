"""Admin forms for user accounts."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from provider_monitor.enums import Role
from provider_monitor.forms.fields import ChoiceField, RadioChoiceField, TextField


class UserForm(FlaskForm):
    email = TextField(
        "Email address",
        validators=[
            DataRequired("Enter the email address"),
            Email("Enter an email address in the right format, like name@example.com"),
            Length(max=254),
        ],
    )
    name = TextField("Full name", validators=[DataRequired("Enter the person’s name"), Length(max=120)])
    role = RadioChoiceField("Role", Role.choices(), "Select a role")
    provider_id = ChoiceField("Provider (for provider users only)", blank="Not a provider user", coerce=int)
    version_id = HiddenField()
    submit = SubmitField("Save user", widget=GovSubmitInput())

    def user_data(self) -> dict:
        """Only the account's own fields."""
        return {name: getattr(self, name).data for name in ("email", "name", "role", "provider_id")}

    def validate_provider_id(self, field):
        if self.role.data == Role.PROVIDER and not field.data:
            raise ValidationError("Select the provider this person works for")
        if self.role.data != Role.PROVIDER and field.data:
            raise ValidationError("Only provider users belong to a provider: choose ‘Not a provider user’")


class ConfirmForm(FlaskForm):
    """A button that changes state: POST with a CSRF token, never a link."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
