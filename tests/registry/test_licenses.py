"""The license knowledge: Hub ids, canonical ids, facts and openness per content type."""

import ast
from pathlib import Path

import pytest

from registry import licenses
from registry.licenses import (
    HF_LICENSE_NAMES,
    HF_LICENSES,
    RULES,
    UnknownLicense,
    classify,
    facts,
    from_hub,
    is_known,
    normalise,
)

LLAMA2 = "LicenseRef-scancode-llama-2-license-2023"
LLAMA31 = "LicenseRef-scancode-llama-3.1-license-2024"
GEMMA = "LicenseRef-scancode-gemma-tou-2024-04-01"
CREATIVEML = "LicenseRef-scancode-stable-diffusion-2022-08-22"

# Hub ids whose text neither SPDX nor the ScanCode LicenseDB carries; see the decision record.
HUB_IDS_WITHOUT_TEXT = {
    "unknown",
    "other",
    "llama3",
    "h-research",
    "intel-research",
    "apple-amlr",
    "deepfloyd-if-license",
    "fair-noncommercial-research-license",
    "grok2-community",
    "openmdw-1.1",
}


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


@pytest.mark.parametrize(("hub_id", "target"), sorted(HF_LICENSES.items()), ids=sorted(HF_LICENSES))
def test_every_hub_id_maps_to_an_id_the_knowledge_describes(
    hub_id: str, target: str | None
) -> None:
    if target is None:
        assert hub_id in HUB_IDS_WITHOUT_TEXT
    else:
        assert facts(target).id == target


@pytest.mark.parametrize("hub_id", sorted(HF_LICENSES), ids=sorted(HF_LICENSES))
def test_hub_ids_resolve_in_any_case(hub_id: str) -> None:
    assert normalise(hub_id.upper()) == HF_LICENSES[hub_id]


def test_the_hub_list_includes_the_recent_additions() -> None:
    recent = {"llama3.3", "llama4", "eupl-1.2", "openmdw-1.0", "apple-ascl", "gemma", "openrail++"}
    assert set(HF_LICENSES) >= recent | HUB_IDS_WITHOUT_TEXT


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
        ("cc", "LicenseRef-scancode-unknown-license-reference"),
        ("llama3", None),
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
        ("other", "llama3", None),
        ("other", "our-own-license", None),
        ("other", None, None),
        ("other", "", None),
        ("llama2", "something-else", LLAMA2),
        ("Apache-2.0", None, "Apache-2.0"),
        (None, "gemma-terms-of-use", None),
        (["mit", "apache-2.0"], None, "MIT AND Apache-2.0"),
        (["mit", "MIT"], None, "MIT"),
        (["apache-2.0", "other"], "deepseek", "Apache-2.0 AND LicenseRef-scancode-deepseek-la-1.0"),
        (["mit", "llama3"], None, None),
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
        ("llama3", None),
        ("not-a-license", None),
        ("Classpath-exception-2.0", None),
    ],
    ids=lambda value: repr(value),
)
def test_normalise(value: str, expected: str | None) -> None:
    assert normalise(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("mit", True), ("Llama2", True), (GEMMA, True), ("llama3", False), ("nonsense", False)],
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
                name="Llama 2 License 2023",
                spdx=False,
                osi_approved=False,
                fsf_libre=False,
                category="Proprietary Free",
                url="https://scancode-licensedb.aboutcode.org/llama-2-license-2023.html",
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
    ],
    ids=["spdx", "scancode-only", "non-commercial", "spdx-newer-than-scancode"],
)
def test_facts(value: str, expected: licenses.LicenseFacts) -> None:
    assert facts(value) == expected


def test_facts_of_a_deprecated_id_describe_its_successor() -> None:
    assert facts("GPL-3.0").id == "GPL-3.0-only"


@pytest.mark.parametrize("value", ["", "other", "llama3", "no such license"])
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
    ("llama3", "unknown"),
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
    ("cc", "unknown"),
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
    ("MIT AND llama3", "unknown"),
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
        ("llama2", "weights", [LLAMA2, "restrict", "model weights"]),
        ("cc-by-nc-4.0", "weights", ["Non Commercial", "model weights"]),
        ("CC0-1.0", "data", ["CC0-1.0", "Public Domain", "open for data"]),
        ("gfdl", "documentation", ["GFDL-1.3-only", "documentation"]),
        (None, "data", ["No license was found", "data"]),
        ("made-up-license", "code", ["'made-up-license' is not a license we recognise", "code"]),
        ("llama3", "weights", ["'llama3'", "Hugging Face license id", "model weights"]),
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


@pytest.mark.parametrize("hub_id", sorted(HF_LICENSES), ids=sorted(HF_LICENSES))
def test_no_hub_id_without_text_is_ever_open(hub_id: str) -> None:
    if HF_LICENSES[hub_id] is None:
        assert {classify(hub_id, content).status for content in RULES} == {"unknown"}


def test_rules_cover_every_content_type() -> None:
    assert set(RULES) == {"code", "weights", "data", "documentation"}
    assert [c.label for c in RULES["code"].open_if] == ["OSI-approved"]
