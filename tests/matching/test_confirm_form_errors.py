"""A refused confirmation keeps its reason on the candidate page (issue 11)."""

from __future__ import annotations

from tests.conftest import csrf_token


def test_a_refused_match_confirmation_keeps_the_reason_and_says_why_beside_it(
    app, supervisor, make_match
):
    """It was a flash above the page and the reason typed was gone."""
    candidate = make_match(owner="supervisor", score=0.95)["candidate"]
    path = f"/matches/{candidate}"
    reason = "Той самий шрам. " * 130  # over the 2,000 characters a reason may have
    response = supervisor.post(
        f"{path}/confirm",
        data={"csrf_token": csrf_token(supervisor, path), "confirm-reason": reason},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="error-summary"' in html
    assert '<a href="#confirm-reason">' in html
    assert 'id="confirm-reason-error"' in html
    assert reason.strip() in html
    assert 'data-testid="match-fields"' in html  # the page itself, not a bare form
