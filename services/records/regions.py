"""省/市/区 for address fields: the choices of three linked selects and their validation.
The page's script and the server read the same file (static/vendor/china-division)."""
from __future__ import annotations

import functools
import json
import os
from typing import Any

from flask_babel import gettext as _

PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
                    "static", "vendor", "china-division", "regions.json")


@functools.cache
def tree() -> dict[str, dict[str, list[str]]]:
    """{province: {city: [district, …]}}."""
    with open(PATH, encoding="utf-8") as handle:
        return json.load(handle)


def bind(form: Any) -> None:
    """Give ``form.province/city/district`` (SelectFields) the choices that follow from
    what was chosen, so that only a city of the province and a district of the city
    validate; the page's script keeps the options in step while the user chooses."""
    prompt = [("", _("Please choose"))]
    cities = tree().get(form.province.data) or {}
    form.province.choices = prompt + [(name, name) for name in tree()]
    form.city.choices = prompt + [(name, name) for name in cities]
    form.district.choices = prompt + [(name, name) for name in cities.get(form.city.data, [])]
