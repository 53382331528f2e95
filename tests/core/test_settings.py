"""The configuration file: the bundled example loads; mistakes are named by key and file."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.messages import describe
from core.settings import LogFormat, LogLevel, MailBackend, Security, load_settings, parse_duration


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_bundled_example_is_complete(root: Path) -> None:
    s = load_settings(root / "config.toml", environ={})
    assert s.network.newsletter_name == "RESA'CLIC"
    assert {t.slug for t in s.taxonomy.themes} >= {"ecsi", "sante", "eau", "agriculture", "climat"}
    assert {t.slug for t in s.taxonomy.zones} >= {
        "afrique-subsaharienne",
        "maghreb",
        "asie",
        "amerique-latine",
        "europe",
    }
    assert len(s.taxonomy.territories) == 12  # the départements of Auvergne-Rhône-Alpes
    assert {src.kind for src in s.sources} == {"feed", "html", "ical", "json"}
    assert s.resolve("var/outbox") == (root / "var/outbox").resolve()


def test_unknown_key_is_named_with_the_file(tmp_path: Path) -> None:
    p = write(tmp_path, '[mail]\nbackend = "outbox"\noutbox_dri = "x"\n')
    with pytest.raises(ConfigError, match=r"config\.toml: clé inconnue 'mail\.outbox_dri'"):
        load_settings(p, environ={})


def test_wrong_type_is_named(tmp_path: Path) -> None:
    p = write(tmp_path, '[web]\nport = "huit mille"\n')
    with pytest.raises(ConfigError, match=r"web\.port: un nombre entier attendu, pas un texte"):
        load_settings(p, environ={})


def test_nested_list_errors_name_the_index(tmp_path: Path) -> None:
    p = write(tmp_path, '[[sources]]\nname = "a"\nurl = "x"\nkind = "rss"\nitem_kind = "news"\n')
    with pytest.raises(ConfigError, match=r"sources\[0\]\.kind: l'une de feed, html, ical, json"):
        load_settings(p, environ={})


def test_missing_required_key(tmp_path: Path) -> None:
    p = write(tmp_path, '[[sources]]\nname = "a"\nkind = "feed"\nitem_kind = "news"\n')
    with pytest.raises(ConfigError, match=r"sources\[0\]\.url: clé obligatoire absente"):
        load_settings(p, environ={})


def test_malformed_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="malformed TOML"):
        load_settings(write(tmp_path, "[mail\n"), environ={})
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_secrets_come_from_the_environment(tmp_path: Path) -> None:
    p = write(tmp_path, '[mail.smtp]\nhost = "relay"\n')
    s = load_settings(p, environ={"RELAIS_SMTP_PASSWORD": "s3cret", "RELAIS_SECRET_KEY": "k"})
    assert s.mail.smtp.password == "s3cret"
    assert s.mail.smtp.host == "relay"
    assert s.web.secret_key == "k"


@pytest.mark.parametrize(("text", "seconds"), [("6h", 21600), ("30m", 1800), ("1d", 86400), ("1h30m", 5400)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "6", "h", "6x", "-1h", "0m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="pas une durée"):
        parse_duration(text)


def test_a_sources_date_order_is_one_of_the_known_orders(tmp_path: Path) -> None:
    head = '[[sources]]\nname = "a"\nurl = "x"\nkind = "html"\nitem_kind = "call"\n[sources.options]\n'
    assert load_settings(write(tmp_path, head + 'date_order = "MDY"\n'), environ={}).sources[0].options == {
        "date_order": "MDY"
    }
    with pytest.raises(ConfigError, match=r"sources\[0\]\.options\.date_order: l'une de DMY, MDY, YMD"):
        load_settings(write(tmp_path, head + 'date_order = "JJ/MM"\n'), environ={})


def test_mail_choices_are_enums_and_a_wrong_one_is_named(tmp_path: Path, root: Path) -> None:
    s = load_settings(root / "config.toml", environ={})
    assert s.mail.backend is MailBackend.OUTBOX and s.mail.smtp.security is Security.STARTTLS
    p = write(tmp_path, '[mail]\nbackend = "smtp"\n[mail.smtp]\nsecurity = "tls"\n')
    s = load_settings(p, environ={})
    assert s.mail.backend is MailBackend.SMTP and s.mail.smtp.security is Security.TLS
    p = write(tmp_path, '[mail]\nbackend = "sendmail"\n')
    with pytest.raises(ConfigError, match=r"mail\.backend: l'une de outbox, smtp, pas 'sendmail'"):
        load_settings(p, environ={})
    p = write(tmp_path, '[mail.smtp]\nsecurity = "ssl"\n')
    with pytest.raises(ConfigError, match=r"mail\.smtp\.security: l'une de none, starttls, tls, pas 'ssl'"):
        load_settings(p, environ={})
    p = write(tmp_path, "[subscribers.bounces]\nsecurity = 1\n")
    with pytest.raises(ConfigError, match=r"subscribers\.bounces\.security: l'une de"):
        load_settings(p, environ={})


def test_logging_choices_are_enums_and_every_check_reads_in_french(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, '[logging]\nformat = "json"\nlevel = "warning"\n'), environ={})
    assert s.logging.format is LogFormat.JSON and s.logging.level is LogLevel.WARNING
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, '[logging]\nformat = "xml"\n'), environ={})
    assert describe(caught.value).endswith("logging.format : l'une de text, json, pas « xml »")
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, '[web]\nproxy_addresses = ["10.0.0.300"]\n'), environ={})
    assert caught.value.code == "config_invalid"
    assert describe(caught.value).endswith("web.proxy_addresses : ni une adresse ni un réseau CIDR : « 10.0.0.300 »")
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, "[web]\nport = true\n"), environ={})
    assert caught.value.code == "config_wrong_type"
    assert describe(caught.value).endswith("web.port : un nombre entier attendu, pas un booléen True")
