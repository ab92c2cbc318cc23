"""The case list's filters as the menu and the supervisor's queues link to it: a filter left
out or empty means "any"; a value that is no choice is said beside its field and ignored."""

import re

NOT_A_CHOICE = "Not a valid choice"


def _queue_links(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'href="(/cases\?[^"]*)"', html)]


def test_nav_link_shows_no_filter_errors(supervisor, make_case):
    make_case(owner=None)
    html = supervisor.get("/cases").get_data(as_text=True)
    assert NOT_A_CHOICE not in html
    assert 'aria-invalid="true"' not in html


def test_queue_links_show_no_filter_errors(supervisor, make_case, users):
    make_case(owner=None)
    make_case(owner="caseworker")
    links = _queue_links(supervisor.get("/queues").get_data(as_text=True))
    assert len(links) >= 3  # unassigned, stale, and one per caseworker
    for link in links:
        response = supervisor.get(link)
        assert response.status_code == 200, link
        assert NOT_A_CHOICE not in response.get_data(as_text=True), link


def test_empty_filter_values_mean_any(supervisor, make_case):
    make_case(owner=None, status="located")
    html = supervisor.get("/cases?q=&status=&age_band=&source_list=&caseworker=&sort=").get_data(
        as_text=True
    )
    assert NOT_A_CHOICE not in html
    assert 'data-total="1"' in html


def test_bogus_filter_values_are_ignored_with_a_note(supervisor, make_case):
    make_case(owner=None, status="located")
    response = supervisor.get("/cases?status=bogus&age_band=nonsense&sort=sideways")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The bad value is said beside its field and not searched for: the case is still listed.
    assert 'id="status-error"' in html and 'id="age_band-error"' in html
    assert 'data-total="1"' in html
