"""Shared form fields: postcodes, dates, numbers and choices, with GOV.UK messages."""

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from provider_monitor.forms.fields import (
    ChoiceField,
    GovDateField,
    OptionalIntegerField,
    PostcodeField,
    normalise_postcode,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ng185bh", "NG18 5BH"), (" NG18  5BH ", "NG18 5BH"), ("s801aa", "S80 1AA"), ("", None), (None, None)],
)
def test_postcodes_are_normalised(raw, expected):
    assert normalise_postcode(raw) == expected


class ExampleForm(FlaskForm):
    class Meta:
        csrf = False

    postcode = PostcodeField()
    start = GovDateField("Start date")
    beds = OptionalIntegerField("Beds", maximum=500)
    colour = ChoiceField("Colour", blank="None", choices=[("red", "Red"), ("blue", "Blue")])


@pytest.fixture
def validate(app):
    def run(**data):
        with app.test_request_context():
            form = ExampleForm(formdata=MultiDict(data))
            form.validate()
            return form

    return run


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["31", "2", "2023"], "Start date must be a real date"),
        (["1", "13", "2023"], "Start date must be a real date"),
        (["1", "1", "23"], "Start date must be a real date"),
        (["", "", "2023"], "Start date must include a day and month"),
        (["a", "b", "c"], "Start date must be a real date"),
    ],
)
def test_date_problems(validate, parts, message):
    form = validate(start=parts)
    assert form.start.errors == [message]
    assert form.start.raw_data == parts


def test_a_real_date_and_a_blank_date(validate):
    assert validate(start=["29", "2", "2024"]).start.data.isoformat() == "2024-02-29"
    form = validate(start=["", "", ""])
    assert form.start.data is None and not form.start.errors


def test_numbers_and_choices(validate):
    form = validate(beds="12", colour="blue", postcode="ng1 1aa")
    assert (form.beds.data, form.colour.data, form.postcode.data, form.errors) == (12, "blue", "NG1 1AA", {})
    form = validate(beds="twelve", colour="green", postcode="NOPE")
    assert form.errors == {
        "beds": ["Beds must be a whole number, like 40"],
        "colour": ["Select colour from the list"],
        "postcode": ["Enter a real postcode, like NG18 5BH"],
    }
    assert validate(beds="501").errors == {"beds": ["Beds must be between 0 and 500"]}
