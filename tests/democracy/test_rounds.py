"""The steps of a planning round: each moves on only when its work is done, to the next in order;
the targets step until the job publishing every workplace's targets is done."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rounds import ORDER, RoundFacts, Step, check_advance, missing

NOTHING = RoundFacts(ballots={}, variants=0, adopted=None, needs_learned=False)
EVERYTHING = RoundFacts(ballots={"priorities": 1, "shares": 2}, variants=1, adopted=3, needs_learned=True,
                        targets_published=True)
facts = st.builds(RoundFacts, ballots=st.dictionaries(st.sampled_from(["priorities", "shares", "budget"]),
                                                      st.integers(1, 9)),
                  variants=st.integers(0, 3), adopted=st.none() | st.integers(1, 9),
                  needs_learned=st.booleans(), targets_published=st.booleans())


@pytest.mark.parametrize("step", [step for step in ORDER if step is not Step.CLOSED])
def test_every_step_moves_on_to_the_next_once_its_work_is_done(step):
    assert check_advance(step, EVERYTHING) is ORDER[ORDER.index(step) + 1]


@given(facts, st.sampled_from([step for step in ORDER if step is not Step.CLOSED]))
def test_a_step_with_work_missing_is_refused_naming_it(done, step):
    lacking = missing(step, done)
    if lacking:
        with pytest.raises(Refusal) as refused:
            check_advance(step, done)
        assert refused.value.code == "not_ready" and lacking[0] in str(refused.value)
    else:
        assert check_advance(step, done) is ORDER[ORDER.index(step) + 1]


def test_the_targets_step_waits_for_the_job_publishing_them():
    waiting = RoundFacts(ballots={}, variants=1, adopted=3, needs_learned=True, targets_published=False)
    assert missing(Step.TARGETS, waiting) == ["every workplace's targets published (the targets job done)"]
    assert missing(Step.EXECUTION, NOTHING) == []
    with pytest.raises(Refusal):
        check_advance(Step.CLOSED, EVERYTHING)
