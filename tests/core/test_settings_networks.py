"""Several networks in one configuration (``[[networks]]``); a single ``[network]`` stays what it was: one network."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.settings import Settings, load_settings

TWO = """
[[networks]]
slug = "resacoop"
name = "RESACOOP"
newsletter_name = "RESA'CLIC"
region = "Auvergne-Rhône-Alpes"
departements = ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"]
base_url = "https://resacoop.relais.example.org"

[[networks]]
slug = "centraider"
name = "Centraider"
newsletter_name = "La lettre de Centraider"
region = "Centre-Val de Loire"
departements = ["18", "28", "36", "37", "41", "45"]
base_url = "https://centraider.relais.example.org"
"""


def load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={})


def test_networks_are_read_in_order_and_the_first_is_the_network(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(TWO, encoding="utf-8")
    s = load_settings(path, environ={})
    assert [n.slug for n in s.all_networks] == ["resacoop", "centraider"]
    assert s.network.newsletter_name == "RESA'CLIC"
    assert s.all_networks[1].departements == ["18", "28", "36", "37", "41", "45"]
    assert s.all_networks[1].base_url == "https://centraider.relais.example.org"


def test_a_single_network_is_one_network(tmp_path: Path, root: Path) -> None:
    s = load_settings(root / "config.toml", environ={})
    assert [n.slug for n in s.all_networks] == ["resacoop"]
    assert s.all_networks[0] is s.network
    path = tmp_path / "config.toml"
    path.write_text('[network]\nname = "Sans slug"\n', encoding="utf-8")
    assert [n.slug for n in load_settings(path, environ={}).all_networks] == ["principal"]  # the migration's row


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('slug = "centraider"', 'slug = "Centre Aider"'), r"networks\[1\]\.slug: des minuscules"),
        (('slug = "centraider"', 'slug = "resacoop"'), r"« resacoop » est déjà celui d'un autre réseau"),
        (('"45"]', '"4 5"]'), r"pas un code de département : « 4 5 »"),
        (('"45"]', '"69"]'), r"le département 69 est déjà celui du réseau « resacoop »"),
        (("centraider.relais", "RESACOOP.relais"), r"deux réseaux à la même adresse « resacoop.relais.example.org »"),
        (
            ("centraider.relais.example.org", "resacoop.relais.example.org/centre"),
            r"sur l'hôte « resacoop.relais.example.org », un seul réseau à la racine ou chacun sous son chemin",
        ),
        (
            ('centraider.relais.example.org"', 'centraider.relais.example.org/centre/val"'),
            r"networks\[1\]\.base_url: une adresse http\(s\)://hôte, ou",
        ),
        (
            ('centraider.relais.example.org"', 'centraider.relais.example.org/Centre"'),
            r"un segment : minuscules, chiffres et tirets",
        ),
        (
            ('centraider.relais.example.org"', 'centraider.relais.example.org/?reseau=centre"'),
            r"pas « https://centraider.relais.example.org/\?reseau",
        ),
    ],
)
def test_mistakes_are_refused_by_key_in_french(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    second = TWO.index("[[networks]]", 1)  # the change is made to the second network only
    text = TWO[:second] + TWO[second:].replace(*change)
    assert text != TWO
    with pytest.raises(ConfigError, match=message) as caught:
        load(tmp_path, text)
    assert caught.value.code == "config_invalid"


def test_networks_may_share_a_host_each_under_its_path(tmp_path: Path) -> None:
    from core.settings import network_address

    text = TWO.replace("resacoop.relais.example.org", "reseaux.example.org/resacoop").replace(
        "centraider.relais.example.org", "reseaux.example.org/centraider/"
    )
    s = load(tmp_path, text)
    assert isinstance(s, Settings)
    assert [network_address(n.base_url) for n in s.all_networks] == [
        ("reseaux.example.org", "/resacoop"),
        ("reseaux.example.org", "/centraider"),
    ]
    with pytest.raises(ConfigError, match=r"deux réseaux à la même adresse « reseaux.example.org/resacoop »"):
        load(tmp_path, text.replace("/centraider/", "/resacoop"))


def test_network_and_networks_together_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[network\] et \[\[networks\]\] : l'un ou l'autre"):
        load(tmp_path, '[network]\nname = "Seul"\n' + TWO)


def test_one_bounce_mailbox_serves_several_networks(tmp_path: Path) -> None:
    box = '\n[subscribers.bounces]\nimap_host = "imap.example.org"\nusername = "u"\n'
    assert load(tmp_path, TWO + box).subscribers.bounces.imap_host == "imap.example.org"


def test_each_network_offers_the_territories_of_its_departements() -> None:
    from core.settings import NetworkSettings, TaxonomySettings, Term, network_taxonomy

    national = TaxonomySettings(
        themes=[Term("eau", "Eau")],
        territories=[Term("69", "Rhône"), Term("38", "Isère"), Term("45", "Loiret"), Term("37", "Indre-et-Loire")],
    )
    centre = network_taxonomy(national, NetworkSettings(slug="centraider", departements=["37", "45"]))
    assert [t.slug for t in centre.territories] == ["45", "37"]
    assert centre.themes == national.themes  # themes and zones are shared
    assert network_taxonomy(national, NetworkSettings(slug="sans-region")) == national
