"""The caseload's filters (a GET form: bookmarkable, no CSRF)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import Length

from provider_monitor.enums import DueState, ServiceType
from provider_monitor.forms.fields import ChoiceField, TextField
from provider_monitor.services.caseload import CaseloadFilters

ALL_SERVICES = "all"


class CaseloadFilterForm(FlaskForm):
    class Meta:
        csrf = False

    # Whose caseload: a member of staff, or every service. The view fills the list and the default.
    officer = ChoiceField("Link officer")
    due_state = ChoiceField("Next visit", blank="Any", choices=DueState.choices())
    district = ChoiceField("District", blank="All districts")
    service_type = ChoiceField("Service type", blank="All service types", choices=ServiceType.choices())
    q = TextField(
        "Service name",
        description="All or part of the name",
        validators=[Length(max=100, message="Service name must be 100 characters or fewer")],
    )
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def filters(self) -> CaseloadFilters:
        officer = self.officer.data
        return CaseloadFilters(
            owner_id=None if officer in (None, ALL_SERVICES) else int(officer),
            due_state=DueState(self.due_state.data) if self.due_state.data else None,
            district_code=self.district.data,
            service_type=self.service_type.data,
            text=self.q.data,
        )
