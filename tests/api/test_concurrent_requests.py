"""The local origin serves requests on several threads, while Chalice keeps the request being
handled on the app object: an authenticated request that read its body after a slower step
(verifying the token) read another request's body instead. One request at a time reaches the
app, as one Lambda execution environment handles one event at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests


def test_concurrent_requests_each_see_their_own_body(base_url: str, new_user) -> None:
    headers = {"Authorization": new_user().http.headers["Authorization"]}

    def lookup(index: int) -> tuple[str, str]:
        # Each body has a different unknown field, which the error names back.
        field = f"camp_{index}"
        answer = requests.post(f"{base_url}/api/companies/lookup", json={field: 1},
                               headers=headers, timeout=30)
        assert answer.status_code == 400, answer.text
        return field, answer.json()["error"]["details"]["field"]

    def listing(_: int) -> int:
        return requests.get(f"{base_url}/api/companies", headers=headers, timeout=30).status_code

    # GIVEN body-carrying requests interleaved with body-less ones, all at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        lookups = [pool.submit(lookup, index) for index in range(40)]
        listings = [pool.submit(listing, index) for index in range(40)]
        answers = [future.result() for future in lookups]
        statuses = {future.result() for future in listings}
    # THEN every answer is about its own request's body
    assert [named for _, named in answers] == [field for field, _ in answers]
    assert statuses == {200}
