"""``commonplan round`` against a real server (uvicorn in a thread, SQLite): a council's member
sees where a round stands and sends the council's records with their own token; bad files are
named by row and column, and one cannot send for a council one is not a member of (exit 2)."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from commonplan.server import create_app
from tests.browsers import serving
from tests.commands import one_document, run
from tests.factories import BAKERY
from tests.rest import federation, ok, sign_in, upload

PURCHASES = "date,store,product,quantity\n2026-01-01,corner,bread,3\n2026-01-02,corner,bread,4\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A district of two workplaces, a consumer council of a shopper under it, and a round open on
    the bakery economy; the server's address and the callers' tokens."""
    database = tmp_path_factory.mktemp("cli-round") / "commonplan.db"
    with serving(create_app(f"sqlite:///{database}")) as address, httpx.Client(base_url=address) as api:
        district, delegates = federation(api, 2)
        shopper = sign_in(api, "shopper@example.org")
        consumers = ok(api.post("/councils", headers=shopper, json={
            "name": "Corner consumers", "level": "consumer", "reference_rate": 30, "parent": district}))["id"]
        economy = ok(upload(api, delegates[0], BAKERY))["id"]
        round_id = ok(api.post(f"/councils/{district}/rounds", headers=delegates[0],
                               json={"economy": economy, "period": "2027"}))["id"]
        token = {name: headers["Authorization"].removeprefix("Bearer ")
                 for name, headers in (("shopper", shopper), ("delegate", delegates[0]))}
        yield {"server": address, "round": round_id, "consumers": consumers, "token": token}


def send(capfd, world, file: Path, who: str = "shopper", kind: str = "purchases") -> tuple[int, str, str]:
    return run(capfd, "round", "send", file, "--round", world["round"], "--council", world["consumers"],
               "--kind", kind, "--server", world["server"], "--token", world["token"][who])


def test_a_member_sends_the_councils_records_and_sees_where_the_round_stands(capfd, world, tmp_path):
    purchases = tmp_path / "purchases.csv"
    purchases.write_text(PURCHASES)
    code, out, err = send(capfd, world, purchases)
    assert code == 0, err
    assert f"purchases of council {world['consumers']} sent to round {world['round']} (purchases.csv" in out
    code, out, err = run(capfd, "round", "show", world["round"], "--server", world["server"],
                         "--token", world["token"]["delegate"])
    assert code == 0, err
    assert f"Planning round {world['round']} for 2027 (District)" in out and "│ now " in out  # a table
    code, out, _ = run(capfd, "round", "show", world["round"], "--server", world["server"],
                       "--token", world["token"]["delegate"], "--json")
    shown = one_document(out)
    assert [(r["council"], r["kind"]) for r in shown["records"]] == [(world["consumers"], "purchases")]


def test_bad_records_and_senders_are_refused_with_the_reason_and_exit_code_2(capfd, world, tmp_path,
                                                                           monkeypatch):
    negative = tmp_path / "negative.csv"
    negative.write_text("date,store,product,quantity\n2026-01-01,corner,bread,-3\n")
    code, _, err = send(capfd, world, negative)
    assert code == 2 and "422 invalid_request" in err and "negative.csv:2:quantity:" in err
    purchases = tmp_path / "purchases.csv"
    purchases.write_text(PURCHASES)
    code, _, err = send(capfd, world, purchases, who="delegate")  # not a member of the consumers
    assert code == 2 and "403 not_a_member" in err
    code, _, err = send(capfd, world, purchases, kind="sales")
    assert code == 2 and "--kind" in err
    monkeypatch.delenv("COMMONPLAN_TOKEN", raising=False)
    code, _, err = run(capfd, "round", "show", world["round"], "--server", world["server"])
    assert code == 2 and "--token" in err
    code, _, err = run(capfd, "round", "show", world["round"], "--server", "http://127.0.0.1:9",
                       "--token", "x")
    assert code == 2 and "--server http://127.0.0.1:9" in err
    assert "Traceback" not in err
