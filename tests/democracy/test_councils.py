import pytest

from commonplan.democracy.councils import FEDERATIONS, LEVELS, check_member, check_parent
from commonplan.democracy.refusals import Refusal

ALLOWED = {("workplace", "district"), ("workplace", "region"), ("workplace", "economy"),
           ("consumer", "district"), ("consumer", "region"), ("consumer", "economy"),
           ("neighbourhood", "district"), ("neighbourhood", "region"), ("neighbourhood", "economy"),
           ("district", "region"), ("district", "economy"), ("region", "economy")}


def test_the_levels_and_federations() -> None:
    assert LEVELS == ("workplace", "consumer", "neighbourhood", "district", "region", "economy")
    assert FEDERATIONS == ("district", "region", "economy")


@pytest.mark.parametrize("pair", [(c, p) for c in LEVELS for p in LEVELS])
def test_a_council_belongs_only_to_a_federation_of_a_higher_level(pair: tuple[str, str]) -> None:
    if pair in ALLOWED:
        check_parent(*pair)
    else:
        with pytest.raises(Refusal) as caught:
            check_parent(*pair)
        assert caught.value.code == "invalid_council" and pair[0] in caught.value.reason


def test_a_refusal_names_the_allowed_parents() -> None:
    with pytest.raises(Refusal) as caught:
        check_parent("district", "workplace")
    assert caught.value.reason == ("a district council can belong to a region or economy council, "
                                   "not to a workplace council")
    with pytest.raises(Refusal, match="'guild' is not a level"):
        check_parent("guild", "economy")


def test_an_act_of_someone_who_is_not_a_member_is_refused() -> None:
    check_member(True, "member:ab12", "council 3")
    with pytest.raises(Refusal) as caught:
        check_member(False, "member:ab12", "council 3")
    assert caught.value == Refusal("not_a_member", "member:ab12 is not a member of council 3")
