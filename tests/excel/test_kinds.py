"""Each import kind is declared once, registered, and found by the title of its
import window (its screen name), which its class docstring names too."""
import pathlib

import pytest

from services import excel
from services.excel import kinds

PACKAGE = pathlib.Path(excel.__file__).parent


@pytest.mark.parametrize(
    "screen_name,kind",
    [
        ("学员账户导入", excel.LEARNER_ACCOUNTS),
        ("学员成果导入", excel.LEARNER_ACHIEVEMENTS),
        ("名录成果导入", excel.CATALOGUE),
        ("机构成果导入", excel.INSTITUTION_ACHIEVEMENTS),
    ],
)
def test_a_kind_is_found_by_its_screen_name(screen_name, kind):
    assert excel.named(screen_name) is kind
    assert excel.KINDS[kind.code] is kind
    assert screen_name in type(kind).__doc__
    # `grep 学员成果导入 services/excel/` lands on the declaration and nowhere else in the engine.
    holders = [p.name for p in PACKAGE.glob("*.py") if f'"{screen_name}"' in p.read_text(encoding="utf-8")]
    assert holders == ["kinds.py"]


def test_every_registered_kind_is_one_of_the_four():
    assert set(excel.KINDS.values()) == {
        excel.LEARNER_ACCOUNTS, excel.LEARNER_ACHIEVEMENTS, excel.CATALOGUE, excel.INSTITUTION_ACHIEVEMENTS}


def test_a_kind_cannot_be_registered_twice_or_without_names():
    class Again(kinds.LearnerAccountsKind):
        code = "learner_accounts_again"

    with pytest.raises(ValueError):
        kinds.register(Again())  # the same screen name
    assert "learner_accounts_again" not in excel.KINDS

    class Nameless(kinds.ImportKind):
        code = "nameless"

    with pytest.raises(ValueError):
        kinds.register(Nameless())


def test_views_name_kind_objects_not_codes():
    root = PACKAGE.parents[1]
    for path in [*(root / "admin").rglob("*.py"), *(root / "tests").rglob("conftest.py")]:
        text = path.read_text(encoding="utf-8")
        assert 'import_kinds = ("' not in text, path


def test_each_module_of_the_engine_stays_small():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.glob("*.py")}
    assert max(sizes.values()) < 600, sizes
