"""``commonplan role``: the server operator gives a member a role; bad input exits 2 in one line."""

from __future__ import annotations

from sqlalchemy import select

from commonplan.store.accounts import register_member
from commonplan.store.database import open_database, sessions
from commonplan.store.models import Member
from tests.commands import run


def test_a_member_is_made_an_auditor_and_bad_input_is_named(capfd, tmp_path):
    url = f"sqlite:///{tmp_path / 'commonplan.db'}"
    engine = open_database(url)
    with sessions(engine)() as db, db.begin():
        register_member(db, "ada@example.org", "correct horse battery")
    assert run(capfd, "role", "ada@example.org", "auditor", "--database", url)[0] == 0
    with sessions(engine)() as db:
        assert db.scalar(select(Member.role)) == "auditor"
    engine.dispose()
    for argv, message in ((("bob@example.org", "auditor", url), "email is not registered"),
                          (("ada@example.org", "king", url), "role must be one of"),
                          (("ada@example.org", "auditor", "nonsense"), "--database 'nonsense'")):
        code, _out, err = run(capfd, "role", *argv[:2], "--database", argv[2])
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_a_roll_is_imported_with_one_invitation_per_new_member_and_a_bad_row_named(capfd, tmp_path):
    import csv

    database = f"sqlite:///{tmp_path / 'city.db'}"
    roll = tmp_path / "city.csv"
    roll.write_text("name,email\nAda,ada@example.org\nBob,bob@example.org\n")
    out = tmp_path / "invitations.csv"
    code, printed, err = run(capfd, "roll", roll, "--out", out, "--site", "https://plan.example.org/",
                             "--database", database)
    assert code == 0, err
    assert "2 members invited" in printed and "0 registered already" in printed
    rows = list(csv.DictReader(out.open()))
    assert [row["email"] for row in rows] == ["ada@example.org", "bob@example.org"]
    assert rows[0]["link"] == f"https://plan.example.org/invitation?token={rows[0]['invitation']}"
    roll.write_text("email\ncy@example.org\nnot an address\n")
    code, _, err = run(capfd, "roll", roll, "--out", tmp_path / "more.csv", "--database", database)
    assert code == 2 and "city.csv:3:email: 'not an address' is not an email address" in err
    assert not (tmp_path / "more.csv").exists()
    code, _, err = run(capfd, "roll", roll, "--out", out, "--database", database)
    assert code == 2 and "the file exists already" in err
