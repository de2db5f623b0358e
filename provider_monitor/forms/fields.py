"""Fields and validators shared by every form: dates, postcodes, CQC ids, optional numbers."""

from __future__ import annotations

import re
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovRadioInput, GovSelect, GovTextInput
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from provider_monitor.text import normalise_postcode

POSTCODE = re.compile(r"^(GIR 0AA|[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2})$")
CQC_LOCATION_ID = re.compile(r"^1-\d{5,12}$")
CQC_PROVIDER_ID = re.compile(r"^1-\d{5,12}$")
COMPANIES_HOUSE = re.compile(r"^([0-9]{8}|[A-Z]{2}[0-9]{6})$")


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select options."""
    return [p if isinstance(p, SelectChoice) else SelectChoice(value=p[0], label=p[1]) for p in pairs or []]


def strip_or_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class TextField(StringField):
    """A GOV.UK text input whose blank value is None and whose text is trimmed."""

    widget = GovTextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("filters", []).append(strip_or_none)
        super().__init__(*args, **kwargs)


class PostcodeField(TextField):
    def __init__(self, label="Postcode", **kwargs):
        super().__init__(label, **kwargs)

    def pre_validate(self, form):
        self.data = normalise_postcode(self.data)
        if self.data and not POSTCODE.match(self.data):
            raise ValidationError("Enter a real postcode, like NG18 5BH")


def matches(pattern: re.Pattern, message: str):
    """A validator: the (non-blank) value must match the pattern."""

    def check(form, field):
        if field.data and not pattern.match(field.data):
            raise ValidationError(message)

    return check


class GovDateField(DateField):
    """A day-month-year date input with GOV.UK error messages; blank means no date."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist):
        self._problem = None
        # The widget unpacks raw_data into day, month and year: give it exactly three, or none.
        self.raw_data = ([*valuelist, "", ""][:3]) if valuelist else None
        if not valuelist or all(not (v or "").strip() for v in valuelist):
            self.data = None
            return
        parts = [(v or "").strip() for v in self.raw_data]
        missing = [name for name, v in zip(("day", "month", "year"), parts, strict=False) if not v]
        if missing:
            self.data = None
            self._problem = f"{self.label.text} must include a {' and '.join(missing)}"
            return
        try:
            day, month, year = (int(p) for p in parts[:3])
            if year < 1900 or year > 2100:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            self.data = None
            self._problem = f"{self.label.text} must be a real date"

    def pre_validate(self, form):
        if getattr(self, "_problem", None):
            raise ValidationError(self._problem)


class OptionalIntegerField(IntegerField):
    """A whole number input; blank means none."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, minimum=0, maximum=100000, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        self._problem = None
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = int(raw)
        except ValueError:
            self.data = None
            self._problem = f"{self.label.text} must be a whole number, like 40"

    def pre_validate(self, form):
        if getattr(self, "_problem", None):
            raise ValidationError(self._problem)
        if self.data is not None and not (self.minimum <= self.data <= self.maximum):
            raise ValidationError(f"{self.label.text} must be between {self.minimum} and {self.maximum}")


class ChoiceField(SelectField):
    """A GOV.UK select whose blank choice means none, with a clear message for unknown values."""

    widget = GovSelect()

    def __init__(self, label=None, validators=None, blank: str | None = None, choices=None, **kwargs):
        self.blank = blank
        super().__init__(label, validators, validate_choice=False, choices=options(choices), **kwargs)

    # Views fill some lists at request time with (value, label) pairs from services.
    @property
    def choices(self):
        return SelectField.choices.fget(self)

    @choices.setter
    def choices(self, value):
        SelectField.choices.fset(self, options(value))

    def iter_choices(self):
        if self.blank is not None:
            yield ("", self.blank, self.data in (None, ""), {})
        yield from super().iter_choices()

    def process_formdata(self, valuelist):
        self._problem = None
        if not valuelist or valuelist[0] == "":
            self.data = None
            return
        try:
            self.data = self.coerce(valuelist[0])
        except (TypeError, ValueError):
            self.data = None
            self._problem = f"Select {self.label.text.lower()} from the list"

    def pre_validate(self, form):
        if getattr(self, "_problem", None):
            raise ValidationError(self._problem)
        known = {str(choice.value) for choice in self.choices or []}
        if self.data is not None and str(self.data) not in known:
            raise ValidationError(f"Select {self.label.text.lower()} from the list")


class RadioChoiceField(RadioField):
    """GOV.UK radios: one message for both 'nothing chosen' and 'not one of these'."""

    widget = GovRadioInput()

    def __init__(self, label, choices, message: str, **kwargs):
        super().__init__(label, choices=options(choices), validators=[DataRequired(message)], **kwargs)
        self.message = message

    def pre_validate(self, form):
        if self.data is not None and str(self.data) not in {str(c.value) for c in self.choices}:
            raise ValidationError(self.message)
