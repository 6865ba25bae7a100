"""The `legalmap` command prints the service's JSON."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from legal_map import services

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("legalmap", *args, stdout=out)
    return out.getvalue()


def test_compare_json_is_the_service_dict():
    printed = json.loads(
        run("compare", "--from", "MD:220/1", "--to", "KZ", "--facts", "minor_victim,online",
            "--date", "2025-03-01", "--json")
    )  # fmt: skip
    assert printed == services.compare(
        "MD", "220/1", "", "KZ", ["minor_victim", "online"], "2025-03-01"
    )
    assert printed["results"][0]["article"] == "312"


def test_compare_text_and_adult_example():
    text = run(
        "compare",
        "--from",
        "MD:220/1",
        "--to",
        "KZ",
        "--facts",
        # v2: MD 220/1's act (inducement or pimping) must be named, else each is judged
        # and the weakest (non-coercive inducement: no KZ crime) stands.
        "adult_victim,webcam,profit,sexual_services,pimping",
        "--date",
        "2025-03-01",
    )
    assert "KZ 309 p.1" in text and "KZ 308" in text and "KZ 309-1" in text
    assert "dual criminality: satisfied" in text
    bare = run("compare", "--from", "MD:220/1", "--to", "KZ", "--facts", "adult_victim",
               "--date", "2025-03-01")  # fmt: skip
    assert "dual criminality: uncertain" in bare


def test_show_lists_parts_amendments_and_labels():
    text = run("show", "KZ:309")
    assert "KZ 309 p.1" in text and "KZ 309 p.3" in text
    # Law 110-VIII (2024-07-05) and the v2 label (catalogue v2).
    assert "2024-07-05" in text and "verified_secondary" in text
    assert "draft" in text  # the 2023 proposal: 309 part 2 item 4
    data = json.loads(run("show", "MD:220/1", "--json"))
    assert [p["part"] for p in data] == ["1", "2", "3", "4", "5"]


def test_load_and_errors():
    assert "already loaded" in run("load")
    with pytest.raises(CommandError):
        run("compare", "--from", "MD", "--to", "KZ")
    with pytest.raises(CommandError):
        run("compare", "--from", "MD:220/1", "--to", "KZ", "--facts", "nope")
    with pytest.raises(CommandError):
        run("show", "KZ:9999")
    assert "minor_victim" in run("facts")
