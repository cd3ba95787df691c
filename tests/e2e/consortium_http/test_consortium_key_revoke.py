"""``creditloop consortium member-key revoke``: a stolen member key is refused (401) from its next request, by the
running service too (its key cache is not trusted for a key that would be served); audited; idempotent; an unknown
member or key is one line naming the option, exit 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creditloop.entrypoints.cli.main import app

from .conftest import PREFIX, Consortium, pseudonym_of, resident_id

SUBJECT = pseudonym_of(resident_id(7))


def _cli(data_dir: Path, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["consortium", "member-key", *args, "--data-dir", str(data_dir)])
    return res.exit_code, res.output


def _query(c: Consortium, key: str) -> int:
    body = {"purpose": "credit_application", "pseudonyms": {"k1": SUBJECT}}
    return c.client.post(PREFIX + "/queries", json=body, headers={"Authorization": f"Bearer {key}"}).status_code


def _batch(c: Consortium, key: str) -> int:
    body = {"purpose": "credit_application", "subjects": [{"k1": SUBJECT}]}
    return c.client.post(PREFIX + "/queries/batch", json=body, headers={"Authorization": f"Bearer {key}"}).status_code


@pytest.mark.parametrize("marker", [True, False], ids=["sqlite-marker", "read-per-request"])
def test_a_revoked_key_is_refused_at_once_and_the_others_still_work(
    consortium: Consortium, tmp_path: Path, marker: bool
) -> None:
    c = consortium
    if not marker:  # as on PostgreSQL: no marker file, the served key is read from the store per request
        c.svc.keys.marker = None
    code, out = _cli(tmp_path, "create", "--member", "A", "--label", "second", "--json")
    assert code == 0, out
    second = json.loads(out)["key"]
    c.post("A", "/consents", {"key_id": "k1", "pseudonym": SUBJECT, "purpose": "credit_application"})
    stolen = c.keys["A"]
    assert _query(c, stolen) == 200 and _query(c, second) == 200 and _batch(c, stolen) == 200  # cache now warm

    key_id = stolen.split("_")[1]
    code, out = _cli(tmp_path, "revoke", "--member", "A", "--key-id", key_id, "--reason", "leaked", "--json")
    assert code == 0, out
    assert json.loads(out) == {"member_id": "A", "key_id": key_id, "revoked": True, "already_revoked": False}

    assert _query(c, stolen) == 401  # the plain-ASGI query path, within the cache's TTL
    assert _batch(c, stolen) == 401
    r = c.client.post(PREFIX + "/consents", json={"key_id": "k1", "pseudonym": SUBJECT, "purpose": "sharing"},
                      headers={"Authorization": f"Bearer {stolen}"})  # fmt: skip
    assert r.status_code == 401 and r.json()["code"] == "unauthorised"
    assert _query(c, second) == 200  # the member's other key
    assert _query(c, c.keys["B"]) == 403  # another member's key: authenticated (B has no consent on file)
    audited = c.svc.store.key_events(key_id)
    assert [(e["member_id"], e["event"], e["reason"]) for e in audited] == [("A", "revoke", "leaked")]

    code, out = _cli(tmp_path, "revoke", "--member", "A", "--key-id", key_id)  # idempotent
    assert code == 0 and "already revoked" in out
    assert len(c.svc.store.key_events(key_id)) == 1
    assert _query(c, stolen) == 401


def test_unknown_member_or_key_names_the_option_and_writes_nothing(consortium: Consortium, tmp_path: Path) -> None:
    c = consortium
    key_of_b = c.keys["B"].split("_")[1]
    before = c.svc.store.counts()
    for args, option in (
        (["--member", "Z", "--key-id", key_of_b], "--member"),
        (["--member", "A", "--key-id", "0123456789ab"], "--key-id"),
        (["--member", "A", "--key-id", "not-a-key"], "--key-id"),
        (["--member", "A", "--key-id", key_of_b], "--key-id"),  # B's key is not A's to revoke
    ):
        code, out = _cli(tmp_path, "revoke", *args)
        assert code == 2, out
        assert out.strip().startswith(f"error: {option}:") and "Traceback" not in out
    assert c.svc.store.counts() == before
    assert _query(c, c.keys["B"]) == 403 and c.svc.store.get_key(key_of_b).revoked_at is None  # type: ignore[union-attr]
