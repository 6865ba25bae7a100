"""Indicator normalisation: the canonical forms that make cross-border matching work."""

import pytest

from cases.indicators import IndicatorError, normalise, registrable_domain


@pytest.mark.parametrize(
    ("kind", "raw", "region", "value"),
    [
        ("phone", "069 123 456", "MD", "+37369123456"),
        ("phone", "+373 (69) 12-34-56", "KZ", "+37369123456"),
        ("phone", "8 701 234 56 78", "KZ", "+77012345678"),
        ("domain", "Пример.РФ.", "", "xn--e1afmkfd.xn--p1ai"),
        ("domain", "Shop.Example.CO.UK", "", "shop.example.co.uk"),
        ("url", "HTTPS://WWW.Example.com:443/a?b=1#frag", "", "https://www.example.com/a?b=1"),
        ("url", "example.com", "", "http://example.com/"),
        ("url", "http://пример.рф:8080/x", "", "http://xn--e1afmkfd.xn--p1ai:8080/x"),
        ("telegram", "@Some_User", "", "some_user"),
        ("telegram", "https://t.me/Some_User/12", "", "some_user"),
        ("instagram", "instagram.com/Model.Agency", "", "model.agency"),
        ("email", "Foo@Bücher.DE", "", "foo@xn--bcher-kva.de"),
        ("image_sha256", "AB" * 32, "", "ab" * 32),
        ("iban", "md24 ag00 0225 1000 1310 4168", "", "MD24AG000225100013104168"),
        (
            "wallet",
            "0xAbCdEf0123456789abcdef0123456789ABCDEF01",
            "",
            "0xabcdef0123456789abcdef0123456789abcdef01",
        ),
    ],
)
def test_canonical_forms(kind, raw, region, value):
    assert normalise(kind, raw, region=region).value == value


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("phone", "not a phone"),
        ("phone", "+1"),
        ("domain", "localhost"),
        ("domain", "exa mple.com"),
        ("domain", "-bad-.com"),
        ("url", "ftp://example.com/x"),
        ("url", "http://"),
        ("telegram", "@"),
        ("image_sha256", "abc"),
        ("iban", "MD24AG000225100013104169"),  # check digits wrong
        ("email", "no-at-sign"),
        ("domain", "a\x00b.com"),
        ("nonsense", "x"),
        ("phone", ""),
    ],
)
def test_rejects_what_is_not_an_indicator(kind, raw):
    with pytest.raises(IndicatorError):
        normalise(kind, raw, region="MD")


def test_registrable_domain_uses_public_suffix_list_offline():
    assert registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert registrable_domain("user.github.io") == "user.github.io"  # private suffix
    assert registrable_domain("xn--e1afmkfd.xn--p1ai") == "xn--e1afmkfd.xn--p1ai"
    assert normalise("url", "https://m.shop.example.kz/x").registrable_domain == "example.kz"
