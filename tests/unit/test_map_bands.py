"""The choropleth's bands: fixed fifths for the share rated Good or better, equal steps for counts."""

import pytest

from provider_monitor.services.map_bands import NO_SERVICES, SHADES, band_of, bands_for


def labels(bands):
    return [band.label for band in bands]


def test_the_share_has_five_fixed_bands_whatever_the_data():
    bands = bands_for([3.0], is_share=True)

    assert labels(bands) == ["Under 20%", "20% to under 40%", "40% to under 60%", "60% to under 80%", "80% or more"]
    assert [band.colour for band in bands] == list(SHADES)


@pytest.mark.parametrize(
    ("value", "label"),
    [(0.0, "Under 20%"), (19.9, "Under 20%"), (20.0, "20% to under 40%"), (79.9, "60% to under 80%"),
     (80.0, "80% or more"), (100.0, "80% or more")],
)  # fmt: skip
def test_a_share_falls_in_its_band_at_the_edges(value, label):
    assert band_of(value, bands_for([], is_share=True)).label == label


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (0, ["None"]),
        (1, ["None", "1"]),
        (4, ["None", "1", "2", "3", "4"]),
        (5, ["None", "1 to 2", "3 to 4", "5 or more"]),
        (17, ["None", "1 to 5", "6 to 10", "11 to 15", "16 or more"]),
    ],
)
def test_counts_get_up_to_four_equal_bands_above_none(top, expected):
    assert labels(bands_for([0, top, None], is_share=False)) == expected


def test_counts_fall_in_their_band_and_a_district_without_services_has_its_own():
    bands = bands_for([17], is_share=False)

    assert band_of(0, bands).label == "None"
    assert band_of(5, bands).label == "1 to 5"
    assert band_of(6, bands).label == "6 to 10"
    assert band_of(40, bands).label == "16 or more"
    assert band_of(None, bands) is NO_SERVICES
    # Darker means more, band by band.
    assert [band.colour for band in bands] == list(SHADES)
