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
