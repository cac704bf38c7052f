"""The license knowledge: Hub ids, canonical ids, facts, restrictions, texts and openness."""

import ast
import re
from pathlib import Path

import pytest

from registry import licenses
from registry.licenses import (
    HF_LICENSE_NAMES,
    HF_LICENSES,
    RESTRICTION_KINDS,
    RULES,
    Restriction,
    TextMatch,
    UnknownLicense,
    classify,
    facts,
    from_hub,
    is_known,
    match_text,
    mof_open,
    normalise,
    restrictions,
)

LLAMA2 = "LicenseRef-scancode-llama-2-license-2023"
LLAMA3 = "LicenseRef-glasshouse-llama-3"
LLAMA31 = "LicenseRef-scancode-llama-3.1-license-2024"
GEMMA = "LicenseRef-scancode-gemma-tou-2024-04-01"
CREATIVEML = "LicenseRef-scancode-stable-diffusion-2022-08-22"
# Not under data/: the project .gitignore drops every data/ folder, and these must ship.
TEXTS = Path(__file__).parent / "license_texts"

# The only Hub ids that name no license: `other` is resolved through license_name or the text.
HUB_IDS_WITHOUT_LICENSE = {"unknown", "other"}
# The Hub's list, read from huggingface/hub-docs docs/hub/repositories-licenses.md at 242f4a1.
HUB_LIST = [
    "apache-2.0",
    "mit",
    "openrail",
    "bigscience-openrail-m",
    "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0",
    "bigcode-openrail-m",
    "afl-3.0",
    "artistic-2.0",
    "bsl-1.0",
    "bsd",
    "bsd-2-clause",
    "bsd-3-clause",
    "bsd-3-clause-clear",
    "c-uda",
    "cc",
    "cc0-1.0",
    "cc-by-2.0",
    "cc-by-2.5",
    "cc-by-3.0",
    "cc-by-4.0",
    "cc-by-sa-3.0",
    "cc-by-sa-4.0",
    "cc-by-nc-2.0",
    "cc-by-nc-3.0",
    "cc-by-nc-4.0",
    "cc-by-nd-4.0",
    "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0",
    "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0",
    "cdla-sharing-1.0",
    "cdla-permissive-1.0",
    "cdla-permissive-2.0",
    "wtfpl",
    "ecl-2.0",
    "epl-1.0",
    "epl-2.0",
    "etalab-2.0",
    "eupl-1.1",
    "eupl-1.2",
    "agpl-3.0",
    "gfdl",
    "gpl",
    "gpl-2.0",
    "gpl-3.0",
    "lgpl",
    "lgpl-2.1",
    "lgpl-3.0",
    "isc",
    "h-research",
    "intel-research",
    "lppl-1.3c",
    "ms-pl",
    "apple-ascl",
    "apple-amlr",
    "mpl-2.0",
    "odc-by",
    "odbl",
    "openmdw-1.0",
    "openmdw-1.1",
    "openrail++",
    "osl-3.0",
    "postgresql",
    "ofl-1.1",
    "ncsa",
    "unlicense",
    "zlib",
    "pddl",
    "lgpl-lr",
    "deepfloyd-if-license",
    "fair-noncommercial-research-license",
    "llama2",
    "llama3",
    "llama3.1",
    "llama3.2",
    "llama3.3",
    "llama4",
    "grok2-community",
    "gemma",
    "unknown",
    "other",
]
LISTED = sorted(set(HF_LICENSES) - HUB_IDS_WITHOUT_LICENSE)


@pytest.fixture(autouse=True)
def _plain_static_storage() -> None:
    # Replaces the suite-wide fixture of the same name: it needs pytest-django's `settings`, and
    # these tests are pure, so they must also run with `-p no:django`.
    return None


def test_module_imports_nothing_from_django() -> None:
    tree = ast.parse(Path(licenses.__file__).read_text())
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    }
    assert not {name for name in imported if name.split(".")[0] == "django"}


# --- The Hub table -------------------------------------------------------------------------------


def test_the_table_holds_exactly_the_hubs_list() -> None:
    assert sorted(HF_LICENSES) == sorted(HUB_LIST)


@pytest.mark.parametrize(("hub_id", "target"), sorted(HF_LICENSES.items()), ids=sorted(HF_LICENSES))
def test_every_hub_id_maps_to_an_id_the_knowledge_describes(
    hub_id: str, target: str | None
) -> None:
    if target is None:
        assert hub_id in HUB_IDS_WITHOUT_LICENSE
    else:
        assert facts(target).id == target


@pytest.mark.parametrize("hub_id", sorted(HF_LICENSES), ids=sorted(HF_LICENSES))
def test_hub_ids_resolve_in_any_case(hub_id: str) -> None:
    assert normalise(hub_id.upper()) == HF_LICENSES[hub_id]


@pytest.mark.parametrize("hub_id", LISTED)
def test_no_listed_hub_id_is_unknown_for_any_content(hub_id: str) -> None:
    assert "unknown" not in {classify(hub_id, content).status for content in RULES}


# What a name built from a ScanCode key looks like: the key's words title-cased, dates kept.
def _name_from_key(license_id: str) -> str:
    key = license_id.removeprefix("LicenseRef-scancode-").removeprefix("LicenseRef-glasshouse-")
    return licenses._title_from_key(key)


@pytest.mark.parametrize("hub_id", LISTED)
def test_listed_hub_ids_have_human_names_not_built_from_keys(hub_id: str) -> None:
    known = facts(hub_id)
    assert known.name
    assert known.name != known.id
    assert known.name != _name_from_key(known.id)
    assert not re.search(r"\b20\d\d(-\d\d-\d\d)?$", known.name), "a key's date is no title"


@pytest.mark.parametrize("hub_id", LISTED)
def test_restricted_hub_licenses_name_at_least_one_restriction_with_its_source(
    hub_id: str,
) -> None:
    known = facts(hub_id)
    if classify(hub_id, "weights").status == "restricted":
        assert known.restrictions
    for restriction in known.restrictions:
        assert restriction.kind in RESTRICTION_KINDS
        assert restriction.source.startswith("https://")
        assert restriction.fact and not restriction.fact.endswith(".")
        assert ". " not in restriction.fact


@pytest.mark.parametrize("hub_id", LISTED)
def test_open_hub_licenses_name_no_restrictions(hub_id: str) -> None:
    if classify(hub_id, "weights").status == "open":
        assert facts(hub_id).restrictions == ()


@pytest.mark.parametrize(
    ("hub_id", "expected"),
    [
        ("apache-2.0", "Apache-2.0"),
        ("mit", "MIT"),
        ("llama2", LLAMA2),
        ("llama3.1", LLAMA31),
        ("llama4", "LicenseRef-scancode-llama-4-cla-2025"),
        ("creativeml-openrail-m", CREATIVEML),
        ("openrail++", "LicenseRef-scancode-bigscience-open-rail-m2"),
        ("openrail", "LicenseRef-scancode-bigscience-open-rail-m"),
        ("bigscience-bloom-rail-1.0", "LicenseRef-scancode-bigscience-rail-1.0"),
        ("bigcode-openrail-m", "LicenseRef-scancode-bigcode-open-rail-m-v1"),
        ("gemma", GEMMA),
        ("cc-by-nc-4.0", "CC-BY-NC-4.0"),
        ("odc-by", "ODC-By-1.0"),
        ("odbl", "ODbL-1.0"),
        ("pddl", "PDDL-1.0"),
        ("gpl-3.0", "GPL-3.0-only"),
        ("bsd", "BSD-3-Clause"),
        ("bsl-1.0", "BSL-1.0"),
        ("lgpl-lr", "LGPLLR"),
        ("c-uda", "C-UDA-1.0"),
        ("apple-ascl", "AML"),
        ("openmdw-1.0", "OpenMDW-1.0"),
        ("cc", "LicenseRef-glasshouse-cc"),
        ("llama3", LLAMA3),
        ("h-research", "LicenseRef-glasshouse-h-research"),
        ("intel-research", "LicenseRef-glasshouse-intel-research"),
        ("apple-amlr", "LicenseRef-glasshouse-apple-amlr"),
        ("openmdw-1.1", "LicenseRef-glasshouse-openmdw-1.1"),
        ("deepfloyd-if-license", "LicenseRef-glasshouse-deepfloyd-if"),
        (
            "fair-noncommercial-research-license",
            "LicenseRef-glasshouse-fair-noncommercial-research",
        ),
        ("grok2-community", "LicenseRef-glasshouse-grok-2-community"),
        ("unknown", None),
        ("other", None),
    ],
    ids=lambda value: str(value),
)
def test_important_hub_ids(hub_id: str, expected: str | None) -> None:
    assert HF_LICENSES[hub_id] == expected
    assert from_hub(hub_id) == expected


@pytest.mark.parametrize(
    ("name", "target"), sorted(HF_LICENSE_NAMES.items()), ids=sorted(HF_LICENSE_NAMES)
)
def test_every_license_name_maps_to_a_known_id(name: str, target: str) -> None:
    assert facts(target).id == target
    assert from_hub("other", name) == target


# --- from_hub ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("license", "license_name", "expected"),
    [
        ("other", "llama3.1", LLAMA31),
        ("other", "gemma-terms-of-use", GEMMA),
        ("other", " Tongyi-Qianwen ", "LicenseRef-scancode-tongyi-qianwen-2023"),
        ("other", "deepseek", "LicenseRef-scancode-deepseek-la-1.0"),
        ("other", "stabilityai-ai-community", "LicenseRef-scancode-stability-ai-community-2024"),
        ("other", "flux-1-dev-non-commercial-license", "LicenseRef-scancode-flux-1-nc"),
        ("other", "apache-2.0", "Apache-2.0"),
        ("Other", "mit", "MIT"),
        ("other", "llama3", LLAMA3),
        ("other", "our-own-license", None),
        ("other", None, None),
        ("other", "", None),
        ("llama2", "something-else", LLAMA2),
        ("Apache-2.0", None, "Apache-2.0"),
        (None, "gemma-terms-of-use", None),
        (["mit", "apache-2.0"], None, "MIT AND Apache-2.0"),
        (["mit", "MIT"], None, "MIT"),
        (["apache-2.0", "other"], "deepseek", "Apache-2.0 AND LicenseRef-scancode-deepseek-la-1.0"),
        (["mit", "llama3"], None, f"MIT AND {LLAMA3}"),
        (["mit", "unknown"], None, None),
        ([], None, None),
    ],
    ids=lambda value: repr(value),
)
def test_from_hub(
    license: str | list[str] | None, license_name: str | None, expected: str | None
) -> None:
    assert from_hub(license, license_name) == expected


# --- normalise, is_known, facts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("apache-2.0", "Apache-2.0"),
        ("APACHE-2.0", "Apache-2.0"),
        ("mit", "MIT"),
        ("  MIT  ", "MIT"),
        ("cc-by-4.0", "CC-BY-4.0"),
        ("odbl-1.0", "ODbL-1.0"),
        ("GPL-3.0", "GPL-3.0-only"),
        ("gpl-2.0+", "GPL-2.0-or-later"),
        ("LGPL-2.1", "LGPL-2.1-only"),
        ("GFDL-1.3", "GFDL-1.3-only"),
        ("llama-2-license-2023", LLAMA2),
        (LLAMA2, LLAMA2),
        (LLAMA2.lower(), LLAMA2),
        ("LicenseRef-scancode-openmdw-1.0", "OpenMDW-1.0"),
        ("bsd-new", "BSD-3-Clause"),
        ("LicenseRef-scancode-bsl-1.0", "LicenseRef-scancode-bsl-1.0"),
        ("openrail++", "LicenseRef-scancode-bigscience-open-rail-m2"),
        ("", None),
        ("   ", None),
        ("unknown", None),
        ("other", None),
        ("NOASSERTION", None),
        ("llama3", LLAMA3),
        (LLAMA3.upper(), LLAMA3),
        ("LicenseRef-scancode-qwen-2024", "LicenseRef-scancode-qwen-2024"),
        ("LicenseRef-glasshouse-no-such-license", None),
        ("not-a-license", None),
        ("Classpath-exception-2.0", None),
    ],
    ids=lambda value: repr(value),
)
def test_normalise(value: str, expected: str | None) -> None:
    assert normalise(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("mit", True), ("Llama2", True), (GEMMA, True), ("llama3", True), ("nonsense", False)],
    ids=lambda value: repr(value),
)
def test_is_known(value: str, expected: bool) -> None:
    assert is_known(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "apache-2.0",
            licenses.LicenseFacts(
                id="Apache-2.0",
                name="Apache License 2.0",
                spdx=True,
                osi_approved=True,
                fsf_libre=True,
                category="Permissive",
                url="https://spdx.org/licenses/Apache-2.0.html",
            ),
        ),
        (
            "llama2",
            licenses.LicenseFacts(
                id=LLAMA2,
                name="Llama 2 Community License Agreement",
                spdx=False,
                osi_approved=False,
                fsf_libre=False,
                category="Proprietary Free",
                url="https://scancode-licensedb.aboutcode.org/llama-2-license-2023.html",
                restrictions=licenses.restrictions(LLAMA2),
            ),
        ),
        (
            "CC-BY-NC-4.0",
            licenses.LicenseFacts(
                id="CC-BY-NC-4.0",
                name="Creative Commons Attribution Non Commercial 4.0 International",
                spdx=True,
                osi_approved=False,
                fsf_libre=False,
                category="Source-available",
                url="https://spdx.org/licenses/CC-BY-NC-4.0.html",
                restrictions=(
                    Restriction(
                        "non-commercial",
                        "the licensed rights may be exercised for non-commercial purposes only",
                        "https://creativecommons.org/licenses/by-nc/4.0/legalcode",
                    ),
                ),
            ),
        ),
        (
            "openmdw-1.0",
            licenses.LicenseFacts(
                id="OpenMDW-1.0",
                name="OpenMDW License Agreement v1.0",
                spdx=True,
                osi_approved=False,
                fsf_libre=False,
                category="Permissive",
                url="https://spdx.org/licenses/OpenMDW-1.0.html",
            ),
        ),
        (
            "openmdw-1.1",
            licenses.LicenseFacts(
                id="LicenseRef-glasshouse-openmdw-1.1",
                name="OpenMDW License Agreement v1.1",
                spdx=False,
                osi_approved=False,
                fsf_libre=False,
                category="Permissive",
                url="https://github.com/OpenMDW/OpenMDW/blob/9067ba54b2f84bc9e15a05734f570ec88e9f445d/1.1/FAQ-1.1.md",
            ),
        ),
    ],
    ids=["spdx", "scancode-only", "non-commercial", "spdx-newer-than-scancode", "ours"],
)
def test_facts(value: str, expected: licenses.LicenseFacts) -> None:
    assert facts(value) == expected


def test_facts_of_a_deprecated_id_describe_its_successor() -> None:
    assert facts("GPL-3.0").id == "GPL-3.0-only"


@pytest.mark.parametrize("value", ["", "other", "unknown", "no such license"])
def test_facts_refuses_what_it_does_not_know(value: str) -> None:
    with pytest.raises(UnknownLicense):
        facts(value)


def test_unknown_license_is_a_value_error() -> None:
    assert issubclass(UnknownLicense, ValueError)


def test_lookups_are_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    normalise("mit")

    def rebuilt() -> list[dict[str, object]]:
        raise AssertionError("the ScanCode index was read again")

    monkeypatch.setattr(licenses, "get_license_index", rebuilt)
    assert normalise("llama-2-license-2023") == LLAMA2
    assert classify("cc-by-4.0", "data").status == "open"


# --- classify ------------------------------------------------------------------------------------

CODE = [
    ("Apache-2.0", "open"),
    ("mit", "open"),
    ("GPL-3.0-only", "open"),
    ("gpl", "open"),
    ("MPL-2.0", "open"),
    ("CC-BY-4.0", "restricted"),
    ("CC0-1.0", "restricted"),
    ("OpenMDW-1.0", "restricted"),
    ("llama2", "restricted"),
    ("creativeml-openrail-m", "restricted"),
    ("Hippocratic-3.0-core", "restricted"),
    ("GPL-2.0-only WITH Classpath-exception-2.0", "open"),
    (f"MIT OR {LLAMA2}", "open"),
    ("MIT AND CC-BY-NC-4.0", "restricted"),
    ("(MIT AND CC-BY-NC-4.0) OR GPL-3.0-only", "open"),
]
WEIGHTS = [
    ("Apache-2.0", "open"),
    ("CC-BY-4.0", "open"),
    ("OpenMDW-1.0", "open"),
    ("llama2", "restricted"),
    ("llama3.1", "restricted"),
    ("llama4", "restricted"),
    ("gemma", "restricted"),
    ("creativeml-openrail-m", "restricted"),
    ("openrail", "restricted"),
    ("openrail++", "restricted"),
    ("bigscience-bloom-rail-1.0", "restricted"),
    ("cc-by-nc-4.0", "restricted"),
    ("cc-by-nd-4.0", "restricted"),
    ("LicenseRef-scancode-stability-ai-community-2024", "restricted"),
    ("Apache-2.0 AND CC-BY-NC-4.0", "restricted"),
    ("Apache-2.0 OR CC-BY-NC-4.0", "open"),
    ("Hippocratic-3.0-core", "unknown"),
    ("llama3", "restricted"),
    ("deepfloyd-if-license", "restricted"),
    ("apple-amlr", "restricted"),
    ("grok2-community", "restricted"),
    ("openmdw-1.1", "open"),
    ("cc", "restricted"),
]
DATA = [
    ("Apache-2.0", "open"),
    ("CC0-1.0", "open"),
    ("CC-BY-4.0", "open"),
    ("cc-by-sa-4.0", "open"),
    ("odc-by", "open"),
    ("odbl", "open"),
    ("pddl", "open"),
    ("cdla-permissive-2.0", "open"),
    ("etalab-2.0", "open"),
    ("cc-by-nc-sa-4.0", "restricted"),
    ("c-uda", "restricted"),
    ("cc", "restricted"),
    ("openmdw-1.1", "open"),
]
DOCUMENTATION = [
    ("Apache-2.0", "open"),
    ("CC-BY-4.0", "open"),
    ("gfdl", "open"),
    ("cc-by-nc-nd-4.0", "restricted"),
    ("llama2", "restricted"),
]
UNKNOWN_FOR_ANY = [
    (None, "unknown"),
    ("", "unknown"),
    ("   ", "unknown"),
    ("garbage", "unknown"),
    ("garbage!!", "unknown"),
    ("Apache License 2.0", "unknown"),
    ("MIT OR", "unknown"),
    ("unknown", "unknown"),
    ("other", "unknown"),
    ("MIT AND unknown", "unknown"),
]


def _cases(content: str, table: list[tuple[str | None, str]]) -> list[object]:
    return [
        pytest.param(value, content, status, id=f"{content}:{value}") for value, status in table
    ]


@pytest.mark.parametrize(
    ("license", "content", "expected"),
    _cases("code", CODE)
    + _cases("weights", WEIGHTS)
    + _cases("data", DATA)
    + _cases("documentation", DOCUMENTATION)
    + [case for content in RULES for case in _cases(content, UNKNOWN_FOR_ANY)],
)
def test_classify(license: str | None, content: licenses.ContentType, expected: str) -> None:
    assert classify(license, content).status == expected


@pytest.mark.parametrize(
    ("license", "content", "expected_words"),
    [
        ("Apache-2.0", "code", ["Apache License 2.0", "OSI-approved", "open for code"]),
        ("CC-BY-4.0", "code", ["CC-BY-4.0", "not an OSI-approved license", "open for code"]),
        ("llama2", "weights", [LLAMA2, "restrict", "model weights", "700 million"]),
        (
            "creativeml-openrail-m",
            "weights",
            [f"CreativeML Open RAIL-M ({CREATIVEML})", "Attachment A"],
        ),
        ("llama3", "weights", [f"Meta Llama 3 Community License Agreement ({LLAMA3})", "700"]),
        ("cc-by-nc-4.0", "data", ["non-commercial purposes only"]),
        ("cc-by-nd-4.0", "documentation", ["adapted material may not be shared"]),
        ("gemma", "weights", ["Gemma Terms of Use", "Prohibited Use Policy"]),
        ("cc", "data", ["member not named", "cannot be ruled out"]),
        ("cc-by-nc-4.0", "weights", ["Non Commercial", "model weights"]),
        ("CC0-1.0", "data", ["CC0-1.0", "Public Domain", "open for data"]),
        ("gfdl", "documentation", ["GFDL-1.3-only", "documentation"]),
        (None, "data", ["No license was found", "data"]),
        ("made-up-license", "code", ["'made-up-license' is not a license we recognise", "code"]),
        ("other", "weights", ["'other'", "model weights"]),
        (f"MIT OR {LLAMA2}", "code", ["MIT License", "lets you choose"]),
        ("Apache-2.0 AND CC-BY-NC-4.0", "weights", ["CC-BY-NC-4.0", "alongside"]),
        ("GPL-2.0-only WITH Classpath-exception-2.0", "code", ["GPL-2.0-only", "Classpath"]),
    ],
    ids=lambda value: repr(value),
)
def test_reasons_name_the_license_and_the_content(
    license: str | None, content: licenses.ContentType, expected_words: list[str]
) -> None:
    reason = classify(license, content).reason
    for words in expected_words:
        assert words in reason
    assert reason.endswith(".")
    assert reason.count(". ") == 0


@pytest.mark.parametrize("hub_id", sorted(HUB_IDS_WITHOUT_LICENSE))
def test_hub_ids_without_a_license_are_never_open(hub_id: str) -> None:
    assert {classify(hub_id, content).status for content in RULES} == {"unknown"}


def test_rules_cover_every_content_type() -> None:
    assert set(RULES) == {"code", "weights", "data", "documentation"}
    assert [c.label for c in RULES["code"].open_if] == ["OSI-approved"]


# --- restrictions --------------------------------------------------------------------------------

LLAMA_TEXT = (
    "https://github.com/meta-llama/llama3/blob/2a6e3d768cab8fea5bee6e181b7e83c54d5e1a0e/LICENSE"
)


@pytest.mark.parametrize(
    ("license_id", "kinds", "words"),
    [
        ("llama2", ["user-threshold", "use-policy", "other"], "700 million monthly active users"),
        ("llama2", ["user-threshold", "use-policy", "other"], "Acceptable Use Policy"),
        (
            "llama3",
            ["user-threshold", "use-policy", "attribution-naming", "other"],
            "“Built with Meta Llama 3”",
        ),
        ("llama3.1", ["user-threshold", "use-policy", "attribution-naming"], "“Built with Llama”"),
        ("llama3.2", ["user-threshold", "use-policy", "attribution-naming"], "700 million"),
        ("llama3.3", ["user-threshold", "use-policy", "attribution-naming"], "700 million"),
        ("llama4", ["user-threshold", "use-policy", "attribution-naming"], "700 million"),
        ("creativeml-openrail-m", ["use-policy", "pass-on"], "Attachment A"),
        ("openrail++", ["use-policy", "pass-on"], "enforceable provision"),
        ("openrail", ["use-policy", "pass-on"], "Attachment A"),
        ("bigscience-openrail-m", ["use-policy", "pass-on"], "Attachment A"),
        ("bigscience-bloom-rail-1.0", ["use-policy", "pass-on"], "Attachment A"),
        ("bigcode-openrail-m", ["use-policy", "pass-on"], "Attachment A"),
        ("gemma", ["use-policy", "pass-on"], "Gemma Prohibited Use Policy"),
        ("cc-by-nc-4.0", ["non-commercial"], "non-commercial purposes only"),
        ("cc-by-nc-sa-2.0", ["non-commercial"], "non-commercial purposes only"),
        ("cc-by-nd-4.0", ["no-derivatives"], "adapted material"),
        ("cc-by-nc-nd-3.0", ["non-commercial", "no-derivatives"], "non-commercial"),
        ("deepfloyd-if-license", ["research-only", "non-commercial"], "non-commercial research"),
        ("apple-amlr", ["research-only", "pass-on"], "Research Purposes"),
        ("fair-noncommercial-research-license", ["research-only"], "noncommercial research"),
        ("c-uda", ["other"], "Computational Use"),
        ("LicenseRef-glasshouse-tii-falcon-llm-1.0", ["other", "attribution-naming"], "10%"),
        ("LicenseRef-glasshouse-falcon-180b-1.0", ["use-policy", "other"], "hosted services"),
        ("LicenseRef-scancode-tongyi-qianwen-2023", ["user-threshold"], "100 million"),
        (
            "LicenseRef-scancode-stability-ai-community-2024",
            ["user-threshold", "use-policy"],
            "$1,000,000",
        ),
        ("LicenseRef-scancode-flux-1-nc", ["non-commercial"], "Non-Commercial Purposes"),
        ("apache-2.0", [], ""),
        ("cc-by-sa-4.0", [], ""),
        ("openmdw-1.1", [], ""),
        ("not-a-license", [], ""),
    ],
    ids=lambda value: str(value),
)
def test_restrictions_are_named_with_their_kind(
    license_id: str, kinds: list[str], words: str
) -> None:
    named = restrictions(license_id)
    assert [r.kind for r in named] == kinds
    assert not kinds or any(words in r.fact for r in named)


def test_restrictions_point_at_the_text_that_states_them() -> None:
    assert {r.source for r in restrictions("llama3")} == {LLAMA_TEXT}
    assert restrictions("cc-by-nc-sa-3.0")[0].source == (
        "https://creativecommons.org/licenses/by-nc-sa/3.0/legalcode"
    )


def test_a_restriction_read_elsewhere_than_the_text_names_where() -> None:
    use_policy, hosting = restrictions("LicenseRef-glasshouse-falcon-180b-1.0")
    assert use_policy.source == "https://huggingface.co/tiiuae/falcon-180B/discussions/2"
    assert hosting.source == "https://www.ollama.com/library/falcon:180b-text/blobs/8e8cf4b25d47"


def test_an_expression_carries_the_restrictions_of_each_license_once() -> None:
    assert restrictions(f"MIT AND {LLAMA2} AND {LLAMA2}") == restrictions("llama2")
    assert restrictions("MIT OR Apache-2.0") == ()
    assert restrictions("MIT OR") == ()


def test_a_restriction_is_a_kind_a_fact_and_a_source() -> None:
    first = restrictions("llama2")[0]
    kind, fact, source = first
    assert (kind, fact, source) == (first.kind, first.fact, first.source)


@pytest.mark.parametrize(
    ("license", "content", "words"),
    [
        ("llama2", "weights", "model weights: a licensee whose products"),
        ("cc-by-nc-4.0", "weights", "model weights: the licensed rights"),
        ("deepfloyd-if-license", "code", "code: the license is granted solely"),
    ],
)
def test_restricted_reasons_end_with_the_first_named_restriction(
    license: str, content: licenses.ContentType, words: str
) -> None:
    assert words in classify(license, content).reason


# --- match_text ----------------------------------------------------------------------------------

MATCHES = [
    ("llama-2.txt", LLAMA2),
    ("llama-3.txt", LLAMA3),
    ("llama-3.1.txt", LLAMA31),
    ("llama-3.2.txt", "LicenseRef-scancode-llama-3.2-license-2024"),
    ("llama-3.3.txt", "LicenseRef-scancode-llama-3.3-license-2024"),
    ("creativeml-openrail-m.txt", CREATIVEML),
    ("creativeml-openrail-pp-m.txt", "LicenseRef-scancode-bigscience-open-rail-m2"),
    ("bigscience-rail-1.0.txt", "LicenseRef-scancode-bigscience-rail-1.0"),
    ("bigscience-openrail-m.txt", "LicenseRef-scancode-bigscience-open-rail-m"),
    ("bigcode-openrail-m.txt", "LicenseRef-scancode-bigcode-open-rail-m-v1"),
    ("gemma-2024-04-01.txt", GEMMA),
    ("falcon-180b-1.0.txt", "LicenseRef-glasshouse-falcon-180b-1.0"),
    ("falcon-2-11b-1.0.txt", "LicenseRef-scancode-falcon-2-11b-1.0"),
    ("deepfloyd-if.txt", "LicenseRef-glasshouse-deepfloyd-if"),
    ("apple-amlr.txt", "LicenseRef-glasshouse-apple-amlr"),
    ("openmdw-1.0.txt", "OpenMDW-1.0"),
    ("apache-2.0.txt", "Apache-2.0"),
    ("mit.txt", "MIT"),
    ("bsd-2-clause.txt", "BSD-2-Clause"),
    ("bsd-3-clause.txt", "BSD-3-Clause"),
    ("cc-by-4.0.txt", "CC-BY-4.0"),
    ("cc-by-nc-4.0.txt", "CC-BY-NC-4.0"),
    ("cc-by-sa-4.0.txt", "CC-BY-SA-4.0"),
    ("cdla-permissive-2.0.txt", "CDLA-Permissive-2.0"),
    ("odc-by-1.0.txt", "ODC-By-1.0"),
    ("gpl-3.0.txt", "GPL-3.0-only"),
    ("unrelated-readme.txt", None),
]


@pytest.mark.parametrize(("text_file", "expected"), MATCHES, ids=[m[0] for m in MATCHES])
def test_match_text_recognises_real_license_texts(text_file: str, expected: str | None) -> None:
    found = match_text((TEXTS / text_file).read_text())
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.id, found.name) == (expected, facts(expected).name)
        assert found.how.startswith("'")
        assert found.score == 1.0


def test_every_excerpt_is_in_the_table_and_named_in_sources() -> None:
    sources = (TEXTS / "SOURCES.md").read_text()
    excerpts = sorted(p.name for p in TEXTS.glob("*.txt"))
    assert excerpts == sorted(m[0] for m in MATCHES)
    assert all(f"`{name}`" in sources for name in excerpts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Markdown, another case, typographic quotes and wrapped lines do not hide a title.
        ("# **Llama 3.2 Community License Agreement**\n\nLlama 3.2 ...", "LLAMA 3.2"),
        ("The TII Falcon LLM License Version 1.0 is not conformant", "TII Falcon LLM"),
        # The Hub's list spells it with an en dash.
        ("Community Data License Agreement \u2013 Permissive, Version 2.0", "CDLA"),
        ("This OpenMDW License Agreement, version 1.1 applies", "OpenMDW 1.1"),
        ("Grok 2 Community License Agreement", "Grok 2"),
    ],
)
def test_match_text_folds_case_markup_quotes_and_dashes(text: str, expected: str) -> None:
    wanted = {
        "LLAMA 3.2": "LicenseRef-scancode-llama-3.2-license-2024",
        "TII Falcon LLM": "LicenseRef-glasshouse-tii-falcon-llm-1.0",
        "CDLA": "CDLA-Permissive-2.0",
        "OpenMDW 1.1": "LicenseRef-glasshouse-openmdw-1.1",
        "Grok 2": "LicenseRef-glasshouse-grok-2-community",
    }[expected]
    found = match_text(text)
    assert found is not None and found.id == wanted


@pytest.mark.parametrize(
    "text", ["", "   ", "All rights reserved.", "Licensed as the authors wish"]
)
def test_match_text_says_none_for_texts_that_name_no_known_license(text: str) -> None:
    assert match_text(text) is None


def test_a_title_far_into_a_text_is_a_mention_and_scores_lower() -> None:
    found = match_text("x " * 3000 + "LLAMA 2 COMMUNITY LICENSE AGREEMENT")
    assert found is not None and found.id == LLAMA2 and found.score < 1.0


def test_a_title_beats_a_later_mention_of_another_license() -> None:
    text = (
        TEXTS / "falcon-2-11b-1.0.txt"
    ).read_text() + "\nApache License Version 2.0, January 2004"
    found = match_text(text)
    assert found is not None and found.id == "LicenseRef-scancode-falcon-2-11b-1.0"


def test_a_match_is_a_text_match() -> None:
    assert isinstance(match_text("Gemma Terms of Use"), TextMatch)


# --- mof_open: the Model Openness Tool's acceptance ----------------------------------------------

MOT = [
    ("MIT", True),
    ("apache-2.0", True),
    ("GPL-3.0-only", True),
    ("CC0-1.0", True),
    ("CC-BY-4.0", True),
    ("cc-by-sa-3.0", True),
    ("CDLA-Permissive-2.0", True),
    ("CDLA-Sharing-1.0", True),
    ("ODC-By-1.0", True),
    ("odbl", True),
    ("GFDL-1.3", True),
    ("OGL-UK-3.0", True),
    ("OpenMDW-1.0", True),
    ("Unlicense", True),
    # Not FSF-libre, not OSI-approved and spelt ODC-PDDL-1.0 on MOT's list.
    ("PDDL-1.0", False),
    # MOT lists only OpenMDW-1.0.
    ("openmdw-1.1", False),
    ("CC-BY-NC-4.0", False),
    ("CC-BY-ND-4.0", False),
    ("llama2", False),
    ("llama3", False),
    ("gemma", False),
    ("creativeml-openrail-m", False),
    ("c-uda", False),
    ("cc", False),
    ("unknown", False),
    ("other", False),
    ("", False),
    ("not-a-license", False),
    ("MIT AND CC-BY-4.0", True),
    ("MIT AND llama2", False),
    (f"MIT OR {LLAMA2}", True),
    ("(MIT AND CC-BY-NC-4.0) OR GPL-3.0-only", True),
    ("GPL-2.0-only WITH Classpath-exception-2.0", True),
    ("MIT OR", False),
]


@pytest.mark.parametrize(("license_id", "expected"), MOT, ids=[repr(m[0]) for m in MOT])
def test_mof_open_follows_the_model_openness_tool(license_id: str, expected: bool) -> None:
    assert mof_open(license_id) is expected


def test_mots_open_data_list_is_copied_verbatim_with_its_source() -> None:
    listed = licenses.mot_open_data_licenses()
    assert len(listed) == 31
    assert listed[0] == "CC0-1.0" and listed[-1] == "OGL-UK-3.0"
    assert "ODC-PDDL-1.0" in listed


# --- The data file -------------------------------------------------------------------------------

TERMS = licenses._data().terms
SCANCODE_CATEGORIES = {
    "Permissive",
    "Copyleft",
    "Copyleft Limited",
    "Public Domain",
    "Proprietary Free",
    "Free Restricted",
    "Source-available",
    "Unstated License",
}


@pytest.mark.parametrize("license_id", sorted(TERMS), ids=sorted(TERMS))
def test_every_entry_names_where_it_was_read(license_id: str) -> None:
    terms = TERMS[license_id]
    assert terms.text.startswith("https://")
    if terms.category:
        assert terms.category in SCANCODE_CATEGORIES
    assert facts(terms.id).id == terms.id


def test_our_own_ids_are_glasshouse_license_refs() -> None:
    ours = {t.id for t in TERMS.values() if t.category and "scancode" not in t.id}
    assert ours and all(i.startswith("LicenseRef-glasshouse-") for i in ours)


def test_the_data_file_ships_with_the_package() -> None:
    pyproject = (Path(licenses.__file__).parents[1] / "pyproject.toml").read_text()
    assert '"license_terms.yaml"' in pyproject
