"""Finding the code and name fields of an ONS boundary file whatever its vintage."""

import pytest

from provider_monitor.services.geo_fields import BoundaryFileError, LayerFields, detect_fields


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (
            ["LAD23CD", "LAD23NM", "CTY23CD", "CTY23NM", "geometry"],
            LayerFields("district", "LAD23CD", "LAD23NM", "CTY23CD"),
        ),
        (["FID", "LAD19CD", "LAD19NM", "LAD19NMW", "BNG_E"], LayerFields("district", "LAD19CD", "LAD19NM")),
        (["LTLA21CD", "LTLA21NM", "UTLA21CD"], LayerFields("district", "LTLA21CD", "LTLA21NM", "UTLA21CD")),
        (["LAD24CD", "LAD24NM", "CTYUA24CD"], LayerFields("district", "LAD24CD", "LAD24NM", "CTYUA24CD")),
        (
            ["WD23CD", "WD23NM", "WD23NMW", "LAD23CD", "LAD23NM", "LONG", "LAT"],
            LayerFields("ward", "WD23CD", "WD23NM", "LAD23CD", "LONG", "LAT"),
        ),
        (["wd20cd", "wd20nm", "lad20cd"], LayerFields("ward", "wd20cd", "wd20nm", "lad20cd")),
        (["CTY23CD", "CTY23NM", "n_districts"], LayerFields("county", "CTY23CD", "CTY23NM")),
        (["CTYUA22CD", "CTYUA22NM", "CTYUA22NMW"], LayerFields("county", "CTYUA22CD", "CTYUA22NM")),
        (["UTLA19CD", "UTLA19NM"], LayerFields("county", "UTLA19CD", "UTLA19NM")),
    ],
)
def test_fields_are_found_by_pattern_for_any_vintage(columns, expected):
    assert detect_fields(columns) == expected


def test_the_welsh_name_is_never_taken_for_the_name():
    with pytest.raises(BoundaryFileError, match="no district name field"):
        detect_fields(["LAD23CD", "LAD23NMW"])


def test_a_file_without_ons_fields_is_refused_with_its_fields_listed():
    with pytest.raises(BoundaryFileError) as error:
        detect_fields(["areacd", "areanm", "geometry"], "wrong.geojson")
    assert str(error.value).startswith("wrong.geojson has no ONS code and name fields")
    assert "areacd, areanm" in str(error.value)


def test_two_vintages_of_the_same_field_are_refused():
    with pytest.raises(BoundaryFileError, match=r"more than one district code field \(LAD22CD, LAD23CD\)"):
        detect_fields(["LAD22CD", "LAD23CD", "LAD23NM"])


def test_a_vintage_needs_exactly_two_digits():
    with pytest.raises(BoundaryFileError):
        detect_fields(["LAD2023CD", "LAD2023NM"])
