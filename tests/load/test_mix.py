"""The mix file: defaults, both formats, and every refusal naming its field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from overture.load.mix import Mix, MixError, load_mix, parse_mix


def test_an_empty_mix_is_the_default_mix() -> None:
    assert parse_mix({}) == Mix()
    assert load_mix(None) == Mix()


def test_toml_and_json_files_read_alike(tmp_path: Path) -> None:
    toml = tmp_path / "mix.toml"
    toml.write_text('seed = 3\nskus = 50\narrivals = "uniform"\n[channels]\nweb = 1\n[lines]\n"2" = 1\n')
    json_file = tmp_path / "mix.json"
    json_file.write_text('{"seed": 3, "skus": 50, "arrivals": "uniform", "channels": {"web": 1}, "lines": {"2": 1}}')
    read = load_mix(toml)
    assert read == load_mix(json_file)
    assert (read.seed, read.skus, read.arrivals, read.channels, read.lines) == (3, 50, "uniform", {"web": 1}, {2: 1})


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"skus": 0}, "skus"),
        ({"skus": "many"}, "skus"),
        ({"seed": True}, "seed"),
        ({"zipf_exponent": float("nan")}, "zipf_exponent"),
        ({"cancel_share": 1.5}, "cancel_share"),
        ({"cancel_share": 0.5, "edit_share": 0.4, "return_share": 0.2}, "cancel_share"),
        ({"arrivals": "bursty"}, "arrivals"),
        ({"channels": {}}, "channels"),
        ({"channels": {"web": -1}}, "channels.web"),
        ({"channels": {"Web Shop": 1}}, "channels.Web Shop"),
        ({"channels": {"web": 0}}, "channels"),
        ({"lines": {"zero": 1}}, "lines.zero"),
        ({"lines": {"0": 1}}, "lines.0"),
        ({"lines": {"2": "x"}}, "lines.2"),
        ({"follow_up_delay_s": -1}, "follow_up_delay_s"),
        ({"cancel_rate": 0.1}, "cancel_rate"),
    ],
)
def test_a_bad_field_is_refused_by_name(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(MixError) as caught:
        parse_mix(raw)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"mix: {field}: ")


def test_a_file_that_does_not_parse_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "mix.toml"
    broken.write_text("seed = = 3")
    with pytest.raises(MixError) as caught:
        load_mix(broken)
    assert caught.value.field == "file" and "mix.toml" in caught.value.reason
    with pytest.raises(MixError) as missing:
        load_mix(tmp_path / "absent.json")
    assert missing.value.field == "file"
