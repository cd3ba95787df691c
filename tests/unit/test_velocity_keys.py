"""The keys an application leaves in the history: generic employer labels and missing addresses never match."""

from __future__ import annotations

from creditloop.strategy.velocity import employer_texts, key_hash, normalise


def test_generic_employer_labels_make_no_peers_and_no_reuse() -> None:
    for label in ("个体工商户", " 自由职业 ", "退休", "Self-Employed", "N/A", "学生"):
        assert employer_texts(label, "某市某路1号") == ("", "")


def test_a_named_employer_without_an_address_is_a_peer_key_but_no_reuse_key() -> None:
    assert employer_texts("广汽本田汽车有限公司", None) == ("广汽本田汽车有限公司", "")
    assert employer_texts("广汽本田汽车有限公司", "  ") == ("广汽本田汽车有限公司", "")
    assert employer_texts("广汽本田汽车有限公司", "广州市黄埔区") == (
        "广汽本田汽车有限公司",
        "广汽本田汽车有限公司|广州市黄埔区",
    )


def test_keys_ignore_case_spaces_and_phone_formatting_and_kinds_never_collide() -> None:
    assert key_hash("phone", "+86 138-0013-8000") == key_hash("phone", "13800138000")
    assert key_hash("device", "ab cd") == key_hash("device", "ABCD")
    assert key_hash("phone", "13800138000") != key_hash("device", "13800138000")
    assert normalise("identity", "11010519491231002x") == "11010519491231002X"
