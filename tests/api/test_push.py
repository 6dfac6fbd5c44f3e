"""POST /api/v1/achievements: the 学员成果 import's checks and reasons, idempotency by
个人成果编号, per-item results, limits, and never another institution's rows."""
import datetime as dt
import io

import openpyxl

from models import AccountStatus, AchievementSource, LearnerAchievement, User, db
from services import excel
from services.files import storage
from tests import factories
from tests.api.conftest import bearer

URL = "/api/v1/achievements"


def item(catalogue_achievement, name, id_number, code, date="2024-06-30"):
    return {"catalogue_achievement_id": catalogue_achievement.id, "real_name": name, "id_number": id_number,
            "personal_code": code, "obtained_on": date}


def push(client, token, items):
    response = client.post(URL, json={"items": items}, headers=bearer(token))
    assert response.status_code == 200, response.data[:500]
    return response.get_json()


def holders(catalogue_achievement):
    return list(LearnerAchievement.select().where(LearnerAchievement.catalogue == catalogue_achievement.id)
                .order_by(LearnerAchievement.id))


def test_a_push_stores_new_learners_and_achievements_like_the_import(app, world):
    a = world.a
    new_id = factories.valid_id_number(950)
    result = push(app.test_client(), a.write, [
        item(a.catalogue_achievement, "新学员", new_id, "X-1", "2023/3/1"),
        item(a.target, a.learner.real_name, a.learner.id_number, "X-2", "2023年3月2日"),
    ])
    assert (result["accepted"], result["rejected"], result["updated"], result["unchanged"]) == (2, 0, 0, 0)
    new = User.get(User.id_number == new_id)
    assert new.status == AccountStatus.INACTIVE and new.added_by_institution_id == a.institution.id
    first, second = result["results"]
    stored = LearnerAchievement.get_by_id(first["learner_achievement_id"])
    assert (stored.learner_id, stored.catalogue_id, stored.personal_code, stored.obtained_on) == (
        new.id, a.catalogue_achievement.id, "X-1", dt.date(2023, 3, 1))
    assert stored.stored_by_id == a.institution.id and stored.source == AchievementSource.IMPORT
    assert LearnerAchievement.get_by_id(second["learner_achievement_id"]).learner_id == a.learner.id
    assert [(r["index"], r["row"], r["status"], r["reasons"]) for r in result["results"]] == [
        (0, 2, "accepted", []), (1, 3, "accepted", [])]


def test_the_same_number_again_never_stores_twice(app, world):
    a, client = world.a, app.test_client()
    new_id = factories.valid_id_number(951)
    items = [item(a.catalogue_achievement, "王五", new_id, "I-1"),
             item(a.catalogue_achievement, a.learner.real_name, a.learner.id_number, "A-P001", "2022-03-01")]
    first = push(client, a.write, items)
    # The learner's existing holding (A-P001, same date) is unchanged; the new one is stored.
    assert [r["status"] for r in first["results"]] == ["accepted", "unchanged"]
    assert first["results"][1]["learner_achievement_id"] == a.stored.id
    count = LearnerAchievement.select().count()
    again = push(client, a.write, items)
    assert [r["status"] for r in again["results"]] == ["unchanged", "unchanged"]
    assert again["results"][0]["learner_achievement_id"] == first["results"][0]["learner_achievement_id"]
    assert LearnerAchievement.select().count() == count
    # A corrected 颁证日期 updates the stored row, still without a second one.
    changed = push(client, a.write, [item(a.catalogue_achievement, "王五", new_id, "I-1", "2024-07-01")])
    assert changed["updated"] == 1 and LearnerAchievement.select().count() == count
    assert LearnerAchievement.get_by_id(first["results"][0]["learner_achievement_id"]).obtained_on == dt.date(2024, 7, 1)


def test_a_number_held_by_someone_else_or_a_wrong_name_is_refused(app, world):
    a = world.a
    other_id = factories.valid_id_number(952)
    client = app.test_client()
    result = push(client, a.write, [
        item(a.catalogue_achievement, "赵六", other_id, "A-P001"),  # A-P001 is A学员's
        item(a.catalogue_achievement, "甲", factories.valid_id_number(953), "DUP"),
        item(a.catalogue_achievement, "乙", factories.valid_id_number(954), "DUP"),
    ])
    assert [r["status"] for r in result["results"]] == ["rejected", "accepted", "rejected"]
    assert result["results"][0]["reasons"] == ["第2行 个人成果编号 已是其他学员成果的编号"]
    assert result["results"][2]["reasons"] == ["第4行 个人成果编号 与本文件第3行重复"]
    # The holder's ID under another name: the import's answer, which tells nothing of the name.
    wrong_name = push(client, a.write,
                      [item(a.catalogue_achievement, "冒名", a.learner.id_number, "A-P001", "2022-03-01")])
    assert wrong_name["results"][0]["reasons"] == ["第2行 学员姓名 姓名与身份证号不匹配任何学员账户"]
    assert not User.select().where(User.id_number == other_id).exists()
    assert [h.personal_code for h in holders(a.catalogue_achievement)] == ["A-P001", "DUP"]


def excel_reasons(user, catalogue_achievement, rows, tmp_path):
    """The reasons of the 学员成果 Excel import of ``rows``, rolled back afterwards."""
    book = openpyxl.Workbook()
    book.active.append(["学员姓名", "身份证号", "个人成果编号", "颁证日期"])
    for row in rows:
        book.active.append(row)
    path = tmp_path / "import.xlsx"
    book.save(path)
    with db.atomic() as transaction:
        batch = excel.run_import(excel.KINDS["learner_achievements"], str(path), "import.xlsx", user,
                                 target=catalogue_achievement)
        with storage.open_stored(batch.rejected_file) as handle:
            sheet = openpyxl.load_workbook(io.BytesIO(handle.read())).worksheets[0]
        transaction.rollback()
    return sorted(values[-1] for values in sheet.iter_rows(min_row=2, values_only=True))


def test_validation_reasons_are_those_of_the_excel_import(app, world, tmp_path):
    a = world.a
    fresh = factories.valid_id_number(955)
    holder = factories.make_learner(real_name="持有人")
    factories.make_achievement(holder, a.catalogue_achievement, personal_code="Z-1")
    today = dt.date.today()
    bad = [
        ["", factories.valid_id_number(956), "B-1", "2024-01-01"],  # no name
        ["钱七", "440106199001011234", "B-2", "2024-01-01"],  # check digit
        ["孙八", factories.valid_id_number(957), "B-3", "2024-13-01"],  # no such date
        ["周九", factories.valid_id_number(958), "B-4", (today + dt.timedelta(days=2)).isoformat()],
        ["吴十", factories.valid_id_number(959), "C" * 101, "2024-01-01"],  # too long
        ["郑一", fresh, "B-6", "2024-01-01"],
        ["郑一", fresh, "B-7", "2024-01-01"],  # the same ID twice
        ["假名", a.learner.id_number, "B-8", "2024-01-01"],  # not the registered name
        [holder.real_name, holder.id_number, "B-9", "2024-01-01"],  # already holds the catalogue achievement
        ["王二", factories.valid_id_number(960), "", ""],  # no number, no date
    ]
    from_excel = excel_reasons(a.admin, a.catalogue_achievement, bad, tmp_path)
    result = push(app.test_client(), a.write, [item(a.catalogue_achievement, *row) for row in bad])
    from_api = {r["row"]: "；".join(r["reasons"]) for r in result["results"] if r["status"] == "rejected"}
    assert sorted(from_api.values()) == from_excel
    assert sorted(from_api) == [2, 3, 4, 5, 6, 8, 9, 10, 11]  # all but the first 郑一 row
    assert from_api[9] == "第9行 学员姓名 姓名与身份证号不匹配任何学员账户"
    assert from_api[10] == "第10行 身份证号 已存有该成果"


def test_another_institution_s_achievements_are_out_of_reach(app, world):
    a, b = world.a, world.b
    before = [(h.id, h.learner_id, h.personal_code, h.obtained_on) for h in holders(b.catalogue_achievement)]
    result = push(app.test_client(), a.write, [
        # B's own row, with a new date
        item(b.catalogue_achievement, b.learner.real_name, b.learner.id_number, "B-P001", "2020-01-01"),
        item(b.catalogue_achievement, "新人", factories.valid_id_number(961), "N-1"),
        {**item(a.catalogue_achievement, "钱", factories.valid_id_number(962), "N-2"),
         "catalogue_achievement_id": 10**9},
    ])
    assert [r["status"] for r in result["results"]] == ["rejected"] * 3
    assert result["results"][0]["reasons"] == ["第2行 机构成果 不是本机构的机构成果"]
    assert [(h.id, h.learner_id, h.personal_code, h.obtained_on) for h in holders(b.catalogue_achievement)] == before


def test_blank_items_limits_and_malformed_bodies(app, world):
    a, client = world.a, app.test_client()
    blank = push(client, a.write, [{"catalogue_achievement_id": a.catalogue_achievement.id}])
    assert blank["results"][0]["status"] == "rejected"
    assert blank["results"][0]["reasons"] == ["第2行 学员姓名 不能为空", "第2行 身份证号 不能为空",
                                              "第2行 个人成果编号 不能为空", "第2行 颁证日期 不能为空"]
    app.config["API_MAX_ROWS"] = 2
    count = LearnerAchievement.select().count()
    items = [item(a.catalogue_achievement, f"学员{i}", factories.valid_id_number(970 + i), f"M-{i}") for i in range(3)]
    too_many = client.post(URL, json={"items": items}, headers=bearer(a.write))
    assert too_many.status_code == 422 and "2" in too_many.get_json()["message"]
    for body in ({}, {"items": []}, {"items": "x"}, {"items": [{"real_name": "无机构成果"}]},
                 {"items": [{"catalogue_achievement_id": "7"}]}):
        response = client.post(URL, json=body, headers=bearer(a.write))
        assert response.status_code == 422 and response.get_json()["errors"], body
    assert client.post(URL, data="not json", headers=bearer(a.write),
                       content_type="application/json").status_code in (400, 422)
    assert LearnerAchievement.select().count() == count


def test_a_concurrent_push_of_the_same_holding_answers_409_and_keeps_nothing(app, world, monkeypatch):
    """Another call stores the learner's holding between this call's checks and its insert:
    the database's one-holding-per-learner index refuses the second, nothing of this call
    is kept, and sending again answers "unchanged"."""
    a = world.a
    kind = excel.KINDS["learner_achievements"]
    original = kind.check_existing

    def meanwhile(ctx, rows):
        original(ctx, rows)
        monkeypatch.setattr(kind, "check_existing", original)
        factories.make_achievement(a.learner, a.target, personal_code="RACE-1", obtained_on=dt.date(2024, 6, 30))

    monkeypatch.setattr(kind, "check_existing", meanwhile)
    items = [item(a.target, "新来的", factories.valid_id_number(980), "RACE-0"),
             item(a.target, a.learner.real_name, a.learner.id_number, "RACE-1")]
    client = app.test_client()
    response = client.post(URL, json={"items": items}, headers=bearer(a.write))
    assert response.status_code == 409 and response.get_json()["code"] == 409
    assert holders(a.target) == [] and not User.select().where(User.real_name == "新来的").exists()
    factories.make_achievement(a.learner, a.target, personal_code="RACE-1", obtained_on=dt.date(2024, 6, 30))
    assert [r["status"] for r in push(client, a.write, items)["results"]] == ["accepted", "unchanged"]


def test_the_field_s_former_name_is_still_read_and_documented_as_deprecated(app, world):
    """Clients written against ``institution_achievement_id`` keep working; the document
    names ``catalogue_achievement_id`` (the catalogue achievement, 机构成果) as the field."""
    a, client = world.a, app.test_client()
    former = {"institution_achievement_id": a.catalogue_achievement.id, "real_name": "旧字段",
              "id_number": factories.valid_id_number(970), "personal_code": "OLD-1", "obtained_on": "2024-06-30"}
    result = push(client, a.write, [former])
    assert result["accepted"] == 1
    stored = LearnerAchievement.get_by_id(result["results"][0]["learner_achievement_id"])
    assert stored.catalogue_id == a.catalogue_achievement.id
    item_schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["PushItem"]
    assert "required" not in item_schema and item_schema["anyOf"] == [
        {"required": ["catalogue_achievement_id"]}, {"required": ["institution_achievement_id"]}]
    assert item_schema["properties"]["institution_achievement_id"]["deprecated"] is True
    missing = client.post(URL, json={"items": [{"real_name": "无字段"}]}, headers=bearer(a.write))
    assert missing.status_code == 422 and "catalogue_achievement_id" in missing.get_data(as_text=True)
