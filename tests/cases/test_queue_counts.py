"""The supervisor's queues count the same cases that the lists behind their links show."""

import re


def _total(client, link: str) -> int:
    html = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    return int(re.search(r'data-total="(\d+)"', html).group(1))


def test_unassigned_queue_count_equals_the_list_behind_its_link(supervisor, make_case):
    for status in ("new", "located", "reunified"):
        make_case(owner=None, status=status)
    # Closed cases are in no queue: the list behind the link leaves them out too.
    make_case(owner=None, status="closed", closure_reason="withdrawn")
    make_case(owner=None, status="closed", closure_reason="reunified")
    make_case(owner="caseworker")
    html = supervisor.get("/queues").get_data(as_text=True)
    queued = int(re.search(r'data-testid="count-unassigned">(\d+)<', html).group(1))
    link = re.search(r'<section id="unassigned">.*?href="(/cases\?[^"]*)"', html, re.S).group(1)
    assert queued == _total(supervisor, link) == 3


def test_caseworker_load_counts_equal_the_lists_behind_their_links(supervisor, make_case, users):
    make_case(owner="caseworker", status="new")
    make_case(owner="caseworker", status="closed", closure_reason="withdrawn")
    html = supervisor.get("/queues").get_data(as_text=True)
    link, open_cases = re.search(
        rf'<a href="(/cases\?[^"]*caseworker={users["caseworker"]}[^"]*)">[^<]*</a></td>'
        r"<td>(\d+)</td>",
        html,
    ).groups()
    assert _total(supervisor, link) == int(open_cases) == 1
