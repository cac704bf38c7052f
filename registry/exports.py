"""Per-project exports: an SPDX 3.0.1 AI/Dataset document and a CycloneDX 1.6 ML-BOM."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import quote

from cyclonedx.contrib.license.exceptions import (
    InvalidLicenseExpressionException,
    InvalidSpdxLicenseException,
)
from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.contrib.this.builders import this_component
from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.license import License as CdxLicense
from cyclonedx.model.license import LicenseAcknowledgement
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from django.utils import timezone
from license_expression import ExpressionError, Licensing
from packageurl import PackageURL
from spdx_python_model import v3_0_1 as spdx

from audits.models import Finding, Snapshot, Verdict
from audits.rules.components import github_license, hub_license
from audits.rules.types import DATA_FACETS
from registry import licenses
from registry.components import BY_ID, COMPONENT_IDS, KINDS, default_serves, page_url
from registry.models import Artifact, Project

__all__ = ["NOT_AUDITED", "cyclonedx_bom", "spdx_document"]

NOT_AUDITED = "not audited"
PUBLISHER = "Glasshouse"

# A source's Hub "modality:" tag is the only dataset type the harvest sees.
_MODALITY_TYPES: Mapping[str, str] = {
    "text": spdx.dataset_DatasetType.text,
    "image": spdx.dataset_DatasetType.image,
    "audio": spdx.dataset_DatasetType.audio,
    "video": spdx.dataset_DatasetType.video,
    "tabular": spdx.dataset_DatasetType.structured,
    "timeseries": spdx.dataset_DatasetType.timeseries,
    "graph": spdx.dataset_DatasetType.graph,
}
_HUB_GATE_AVAILABILITY: Mapping[object, str] = {
    False: spdx.dataset_DatasetAvailabilityType.directDownload,
    "auto": spdx.dataset_DatasetAvailabilityType.clickthrough,
    "manual": spdx.dataset_DatasetAvailabilityType.registration,
}
# How a code repository takes part in the model's life: SPDX's lifecycle scopes.
_CODE_SCOPES: Mapping[str, str] = {
    "training-code": spdx.LifecycleScopeType.build,
    "data-preprocessing-code": spdx.LifecycleScopeType.build,
    "model-architecture": spdx.LifecycleScopeType.runtime,
    "inference-code": spdx.LifecycleScopeType.runtime,
    "evaluation-code": spdx.LifecycleScopeType.test,
    "supporting-libraries": spdx.LifecycleScopeType.development,
}
_PROFILES = ("core", "software", "simpleLicensing", "ai", "dataset")


# --- What a project exports, read once from the ORM ---------------------------------------------


@dataclass(frozen=True)
class Source:
    """One thing a project publishes or the audit found: a Hub model, a dataset, code, a paper."""

    source: str
    locator: str
    url: str
    serves: tuple[str, ...]
    declared_license: str | None
    concluded_license: str | None
    from_record: bool
    examined: bool
    revision: str = ""
    payload: Mapping[str, Any] | None = None

    @property
    def labels(self) -> str:
        return ", ".join(BY_ID[c].label for c in self.serves if c in BY_ID)


@dataclass(frozen=True)
class Fact:
    """One Glasshouse statement about a project: a property in CycloneDX, an annotation in SPDX."""

    name: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Inventory:
    """Everything one export says about a project, read once so both formats say the same."""

    project: Project
    base_url: str
    verdict: Verdict | None
    findings: tuple[Finding, ...]
    model: Source | None
    datasets: tuple[Source, ...]
    code: tuple[Source, ...]
    papers: tuple[Source, ...]

    @property
    def page_url(self) -> str:
        return f"{self.base_url}/projects/{self.project.slug}/"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v1/projects/{self.project.slug}/"


def inventory(project: Project, *, base_url: str) -> Inventory:
    """The project's artifacts and current verdict, with the licenses the audit read for each."""
    verdict = project.current_verdict
    findings: tuple[Finding, ...] = ()
    if verdict is not None:
        findings = tuple(verdict.run.findings.select_related("curation").order_by("position"))
    snapshots = _snapshots_behind(findings)
    audited = verdict is not None
    artifacts = list(project.artifacts.select_related("declared_license"))
    by_source: dict[str, list[Source]] = {}
    for artifact in artifacts:
        by_source.setdefault(artifact.source, []).append(
            _from_artifact(artifact, snapshots, audited=audited)
        )
    declared = {(a.source, a.locator) for a in artifacts}
    discovered = _discovered(project, snapshots, skip=declared) if audited else {}
    for source, found_here in discovered.items():
        by_source.setdefault(source, []).extend(found_here)
    known = declared | {
        (s.source, s.locator) for found_here in discovered.values() for s in found_here
    }
    found = [
        _found_dataset(locator, snapshots.get(("hf-dataset", locator)))
        for locator in _datasets_in_evidence(findings)
        if ("hf-dataset", locator) not in known
    ]
    models = by_source.get(Artifact.Source.HF_MODEL, [])
    model = models[0] if models else None
    weights = next((f for f in findings if f.component == "final-weights"), None)
    if model is not None and weights is not None:
        # The verdict's word on the weights, moderator curations included, is the conclusion.
        model = replace(model, concluded_license=weights.effective_license or None)
    return Inventory(
        project=project,
        base_url=base_url.rstrip("/"),
        verdict=verdict,
        findings=findings,
        model=model,
        datasets=(*by_source.get(Artifact.Source.HF_DATASET, []), *found),
        code=tuple(by_source.get(Artifact.Source.GITHUB, [])),
        papers=tuple(by_source.get(Artifact.Source.URL, [])),
    )


def _snapshots_behind(findings: Sequence[Finding]) -> dict[tuple[str, str], Snapshot]:
    # The snapshots the verdict was made from, not the newest ones: the export must agree with
    # the verdict it carries even while a newer audit is running.
    wanted: dict[tuple[str, str], int] = {}
    for finding in findings:
        for item in finding.evidence:
            snapshot_id = item.get("snapshot_id")
            if snapshot_id is None:
                continue
            key = (item["source"], item["locator"])
            wanted[key] = max(wanted.get(key, 0), snapshot_id)
    rows = Snapshot.objects.in_bulk(list(wanted.values()))
    return {key: rows[pk] for key, pk in wanted.items() if pk in rows}


def _datasets_in_evidence(findings: Sequence[Finding]) -> list[str]:
    seen = (
        item["locator"]
        for finding in findings
        for item in finding.evidence
        if item.get("source") == Artifact.Source.HF_DATASET
    )
    return list(dict.fromkeys(seen))


def _seen_license(source: str, snapshot: Snapshot | None) -> str | None:
    if snapshot is None:
        return None
    if source == Artifact.Source.GITHUB:
        return github_license(snapshot.payload).canonical
    if source in (Artifact.Source.HF_MODEL, Artifact.Source.HF_DATASET):
        return hub_license(snapshot.payload).canonical
    return None


def _from_artifact(
    artifact: Artifact, snapshots: Mapping[tuple[str, str], Snapshot], *, audited: bool
) -> Source:
    declared = artifact.declared_license_id
    snapshot = snapshots.get((artifact.source, artifact.locator))
    concluded = None
    if audited:
        # Same rule as the audit: what the source shows wins, the record fills in where it is
        # silent; web pages are never fetched, so their record is all there is.
        concluded = _seen_license(artifact.source, snapshot) or declared
    return Source(
        source=artifact.source,
        locator=artifact.locator,
        url=artifact.url,
        serves=tuple(artifact.serves) or default_serves(artifact.source),
        declared_license=declared,
        concluded_license=concluded,
        from_record=True,
        examined=audited,
        revision=snapshot.revision if snapshot else "",
        payload=snapshot.payload if snapshot else None,
    )


def _discovered(
    project: Project,
    snapshots: Mapping[tuple[str, str], Snapshot],
    *,
    skip: set[tuple[str, str]],
) -> dict[str, list[Source]]:
    """What the audit found from the project's own sources (not its base models), by kind."""
    found: dict[str, list[Source]] = {}
    rows = project.discovered.followed().filter(depth=0, origin="discovered")
    for row in rows.order_by("source", "locator"):
        if (row.source, row.locator) in skip:
            continue
        snapshot = snapshots.get((row.source, row.locator))
        # An arXiv paper is exported as its page, as a record's paper URL is.
        kind = Artifact.Source.URL if row.source == "arxiv" else row.source
        if kind not in (Artifact.Source.GITHUB, Artifact.Source.HF_DATASET, Artifact.Source.URL):
            continue
        found.setdefault(kind, []).append(
            Source(
                source=kind,
                locator=row.url if kind == Artifact.Source.URL else row.locator,
                url=row.url,
                serves=tuple(row.serves),
                declared_license=None,
                concluded_license=_seen_license(row.source, snapshot),
                from_record=False,
                examined=True,
                revision=snapshot.revision if snapshot else "",
                payload=snapshot.payload if snapshot else None,
            )
        )
    return found


def _found_dataset(locator: str, snapshot: Snapshot | None) -> Source:
    return Source(
        source=Artifact.Source.HF_DATASET,
        locator=locator,
        url=page_url(Artifact.Source.HF_DATASET, locator),
        serves=default_serves(Artifact.Source.HF_DATASET),
        declared_license=None,
        concluded_license=_seen_license(Artifact.Source.HF_DATASET, snapshot),
        from_record=False,
        examined=True,
        revision=snapshot.revision if snapshot else "",
        payload=snapshot.payload if snapshot else None,
    )


def verdict_facts(found: Inventory) -> list[Fact]:
    """The verdict and every finding's status, named as the CycloneDX properties are."""
    verdict = found.verdict
    if verdict is None:
        return [
            Fact(
                "glasshouse:audit",
                NOT_AUDITED,
                "Glasshouse has not audited this project yet; only its catalogue record is "
                "exported.",
            )
        ]
    project = found.project
    rows = [
        Fact("glasshouse:audit", "audited"),
        Fact("glasshouse:osaid", verdict.osaid),
        Fact("glasshouse:mof-class", verdict.mof_class or "none"),
        Fact("glasshouse:category", verdict.category),
        Fact("glasshouse:score", str(verdict.score)),
        Fact("glasshouse:gated", _bool(verdict.gated)),
        Fact("glasshouse:stale", _bool(project.stale), project.stale_reason),
        Fact("glasshouse:rules-version", verdict.run.rules_version),
    ]
    if project.audited_at is not None:
        rows.append(Fact("glasshouse:audited-at", project.audited_at.isoformat()))
    for finding in found.findings:
        if finding.component in COMPONENT_IDS:
            name = f"glasshouse:component:{finding.component}"
        elif finding.component in DATA_FACETS:
            name = f"glasshouse:data-information:{finding.component}"
        else:
            name = f"glasshouse:{finding.component}"
        rows.append(Fact(name, finding.effective_status, finding.reason))
    return rows


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _released(project: Project) -> datetime | None:
    if project.released is None:
        return None
    return datetime.combine(project.released, time.min, tzinfo=UTC)


def _model_config(model: Source | None) -> tuple[str, str, str]:
    """The Hub's pipeline tag, model type and first architecture class, when the audit saw them."""
    payload = (model.payload if model else None) or {}
    config = payload.get("config") or {}
    architectures = config.get("architectures") or [""]
    return (
        payload.get("pipeline_tag") or "",
        config.get("model_type") or "",
        architectures[0] or "",
    )


def _license_keys(expression: str) -> list[str]:
    try:
        return list(Licensing().license_keys(expression))
    except ExpressionError:
        return [expression]


def _license_url(license_id: str) -> str | None:
    try:
        return licenses.facts(license_id).url
    except licenses.UnknownLicense:
        return None


# --- SPDX 3.0.1 ---------------------------------------------------------------------------------


def spdx_document(project: Project, *, base_url: str) -> dict[str, Any]:
    """The project as an SPDX 3.0.1 JSON-LD document using the AI and Dataset profiles."""
    found = inventory(project, base_url=base_url)
    return _SpdxBuilder(found).build()


class _SpdxBuilder:
    """Builds the element graph; the model's types and counts are checked when it serializes."""

    def __init__(self, found: Inventory) -> None:
        self.found = found
        self.doc_id = f"{found.base_url}/projects/{found.project.slug}/spdx"
        self.objects = spdx.SHACLObjectSet()
        self.elements: list[Any] = []
        self.license_elements: dict[str, Any] = {}
        self.relationship_count = 0
        self.publisher = spdx.Organization(spdxId=self._id("glasshouse"), name=PUBLISHER)
        self.tool = spdx.Tool(spdxId=self._id("exporter"), name=f"{PUBLISHER} exporter")
        self.info = spdx.CreationInfo(
            specVersion="3.0.1",
            created=timezone.now(),
            createdBy=[self.publisher],
            createdUsing=[self.tool],
        )
        for agent in (self.publisher, self.tool):
            agent.creationInfo = self.info

    def _id(self, fragment: str) -> str:
        return f"{self.doc_id}#{quote(fragment, safe='/:-._')}"

    def _add(self, element: Any) -> Any:
        self.elements.append(element)
        return element

    def build(self) -> dict[str, Any]:
        project = self.found.project
        supplier = self._add(
            spdx.Organization(
                spdxId=self._id(f"organization/{project.organization.slug}"),
                creationInfo=self.info,
                name=project.organization.name,
            )
        )
        model = self._add(self._model(supplier))
        self._licenses(model, self.found.model)
        for dataset in self.found.datasets:
            package = self._add(self._dataset(dataset))
            self._licenses(package, dataset)
            self._relate(model, _dataset_relationship(dataset), [package])
        scoped: dict[str, list[Any]] = {}
        for code in self.found.code:
            package = self._add(self._code(code))
            self._licenses(package, code)
            for scope in dict.fromkeys(_CODE_SCOPES.get(c, "") for c in code.serves):
                scoped.setdefault(scope, []).append(package)
        for scope, packages in scoped.items():
            if scope:
                self._relate(model, spdx.RelationshipType.dependsOn, packages, scope=scope)
            else:
                # A repository that serves only documents (evaluation results, cards).
                self._relate(model, spdx.RelationshipType.hasDocumentation, packages)
        self._annotations(model)
        document = spdx.SpdxDocument(
            spdxId=self.doc_id,
            creationInfo=self.info,
            name=f"{PUBLISHER} export of {project.name}",
            comment=f"Audit page: {self.found.page_url}",
            profileConformance=[getattr(spdx.ProfileIdentifierType, p) for p in _PROFILES],
            rootElement=[model],
            element=[self.publisher, self.tool, *self.elements],
        )
        self.objects.add(document)
        for element in (self.publisher, self.tool, *self.elements):
            self.objects.add(element)
        # Serializing enforces every required property and cardinality of the model.
        return spdx.JSONLDSerializer().serialize_data(self.objects)

    def _model(self, supplier: Any) -> Any:
        project = self.found.project
        source = self.found.model
        task, model_type, _ = _model_config(source)
        package = spdx.ai_AIPackage(
            spdxId=self._id("model"),
            creationInfo=self.info,
            name=project.name,
            summary=project.summary,
            suppliedBy=supplier,
            software_primaryPurpose=spdx.software_SoftwarePurpose.model,
            ai_domain=[dict(KINDS).get(project.kind, project.kind)],
            externalRef=[
                spdx.ExternalRef(
                    externalRefType=spdx.ExternalRefType.componentAnalysisReport,
                    locator=[self.found.page_url],
                    contentType="text/html",
                    comment=f"{PUBLISHER} openness audit",
                ),
                spdx.ExternalRef(
                    externalRefType=spdx.ExternalRefType.componentAnalysisReport,
                    locator=[self.found.api_url],
                    contentType="application/json",
                    comment=f"{PUBLISHER} API",
                ),
                *(
                    spdx.ExternalRef(
                        externalRefType=spdx.ExternalRefType.documentation,
                        locator=[paper.url],
                        comment=paper.labels,
                    )
                    for paper in self.found.papers
                ),
            ],
        )
        if project.homepage:
            package.software_homePage = project.homepage
        if released := _released(project):
            package.releaseTime = released
        if model_type:
            package.ai_typeOfModel = [model_type]
        if task:
            package.ai_informationAboutApplication = f"Hugging Face pipeline: {task}"
        if source is not None:
            package.software_downloadLocation = source.url
            package.software_packageUrl = _hub_purl(source).to_string()
            if source.revision:
                package.software_packageVersion = source.revision
        return package

    def _dataset(self, dataset: Source) -> Any:
        payload = dataset.payload or {}
        modalities = [
            _MODALITY_TYPES.get(t.removeprefix("modality:"), spdx.dataset_DatasetType.other)
            for t in payload.get("tags") or ()
            if isinstance(t, str) and t.startswith("modality:")
        ]
        package = spdx.dataset_DatasetPackage(
            spdxId=self._id(f"dataset/{dataset.locator}"),
            creationInfo=self.info,
            name=dataset.locator,
            software_downloadLocation=dataset.url,
            software_primaryPurpose=spdx.software_SoftwarePurpose.data,
            dataset_datasetType=list(dict.fromkeys(modalities))
            or [spdx.dataset_DatasetType.noAssertion],
            comment=_provenance(dataset),
        )
        if (gate := payload.get("gated")) in _HUB_GATE_AVAILABILITY:
            package.dataset_datasetAvailability = _HUB_GATE_AVAILABILITY[gate]
        if dataset.revision:
            package.software_packageVersion = dataset.revision
        return package

    def _code(self, code: Source) -> Any:
        owner, _, name = code.locator.partition("/")
        return spdx.software_Package(
            spdxId=self._id(f"code/{code.locator}"),
            creationInfo=self.info,
            name=code.locator,
            software_downloadLocation=code.url,
            software_packageUrl=PackageURL("github", owner, name).to_string(),
            software_primaryPurpose=spdx.software_SoftwarePurpose.source,
            comment=_provenance(code),
        )

    def _licenses(self, element: Any, source: Source | None) -> None:
        if source is None:
            return
        if source.declared_license:
            self._relate(
                element,
                spdx.RelationshipType.hasDeclaredLicense,
                [self._license(source.declared_license)],
            )
        if source.concluded_license:
            self._relate(
                element,
                spdx.RelationshipType.hasConcludedLicense,
                [self._license(source.concluded_license)],
            )
        elif source.examined:
            # A missing relationship lets a reader assume nothing; NoAssertionLicense says the
            # audit looked and could not determine one, which is what happened.
            self._relate(
                element,
                spdx.RelationshipType.hasConcludedLicense,
                [spdx.expandedlicensing_IndividualLicensingInfo.NoAssertionLicense],
                comment=f"The {PUBLISHER} audit found no license it could identify.",
            )

    def _license(self, expression: str) -> Any:
        if expression in self.license_elements:
            return self.license_elements[expression]
        custom = [
            spdx.DictionaryEntry(key=key, value=url)
            for key in _license_keys(expression)
            if key.startswith("LicenseRef-") and (url := _license_url(key))
        ]
        element = self._add(
            spdx.simplelicensing_LicenseExpression(
                spdxId=self._id(f"license/{expression}"),
                creationInfo=self.info,
                simplelicensing_licenseExpression=expression,
                simplelicensing_customIdToUri=custom,
            )
        )
        self.license_elements[expression] = element
        return element

    def _relate(
        self,
        source: Any,
        kind: str,
        targets: Iterable[Any],
        *,
        scope: str | None = None,
        comment: str = "",
    ) -> None:
        self.relationship_count += 1
        spdx_id = self._id(f"relationship/{self.relationship_count:03d}")
        common = {
            "spdxId": spdx_id,
            "creationInfo": self.info,
            "from_": source,
            "relationshipType": kind,
            "to": list(targets),
        }
        relationship = (
            spdx.Relationship(**common)
            if scope is None
            else spdx.LifecycleScopedRelationship(**common, scope=scope)
        )
        if comment:
            relationship.comment = comment
        self._add(relationship)

    def _annotations(self, model: Any) -> None:
        verdict = self.found.verdict
        info = self.info
        if verdict is not None:
            # The verdict's facts were asserted when the audit ran, not when this file was made.
            info = spdx.CreationInfo(
                specVersion="3.0.1",
                created=self.found.project.audited_at or verdict.created_at,
                createdBy=[self.publisher],
                createdUsing=[self.tool],
                comment=f"{PUBLISHER} rules {verdict.run.rules_version}",
            )
        for fact in verdict_facts(self.found):
            annotation = spdx.Annotation(
                spdxId=self._id(f"annotation/{fact.name}"),
                creationInfo=info,
                annotationType=spdx.AnnotationType.review,
                subject=model,
                statement=f"{fact.name}={fact.value}",
            )
            if fact.note:
                annotation.comment = fact.note
            self._add(annotation)


def _dataset_relationship(dataset: Source) -> str:
    if "training-datasets" in dataset.serves:
        return spdx.RelationshipType.trainedOn
    if "evaluation-data" in dataset.serves:
        return spdx.RelationshipType.testedOn
    return spdx.RelationshipType.hasDocumentation


def _provenance(source: Source) -> str:
    origin = "Declared in the catalogue record" if source.from_record else "Found by the audit"
    return f"{origin}; serves: {source.labels}." if source.labels else f"{origin}."


def _hub_purl(source: Source) -> PackageURL:
    namespace, _, name = source.locator.rpartition("/")
    return PackageURL("huggingface", namespace or None, name, source.revision or None)


# --- CycloneDX 1.6 ------------------------------------------------------------------------------


def cyclonedx_bom(project: Project, *, base_url: str) -> dict[str, Any]:
    """The project as a CycloneDX 1.6 ML-BOM, as the JSON object the library serializes."""
    found = inventory(project, base_url=base_url)
    supplier = OrganizationalEntity(
        name=project.organization.name,
        urls=[XsUri(project.organization.homepage)] if project.organization.homepage else None,
    )
    model = _cdx_model(found, supplier)
    components = [
        *(_cdx_dataset(dataset) for dataset in found.datasets),
        *(_cdx_code(code) for code in found.code),
    ]
    publisher = OrganizationalEntity(name=PUBLISHER, urls=[XsUri(f"{found.base_url}/")])
    bom = Bom(
        metadata=BomMetaData(
            component=model,
            # In CycloneDX 1.6 the manufacturer of the metadata is whoever made the BOM.
            manufacturer=publisher,
            tools=ToolRepository(
                components=[
                    Component(
                        type=ComponentType.APPLICATION,
                        name=f"{PUBLISHER} exporter",
                        supplier=publisher,
                    ),
                    this_component(),
                ]
            ),
        ),
        components=components,
    )
    bom.register_dependency(model, components)
    for component in components:
        bom.register_dependency(component, [])
    text = make_outputter(bom, OutputFormat.JSON, SchemaVersion.V1_6).output_as_string()
    document: dict[str, Any] = json.loads(text)
    _add_model_card(document["metadata"]["component"], found)
    return document


def _cdx_model(found: Inventory, supplier: OrganizationalEntity) -> Component:
    project = found.project
    source = found.model
    references = [
        ExternalReference(
            type=ExternalReferenceType.COMPONENT_ANALYSIS_REPORT,
            url=XsUri(found.page_url),
            comment=f"{PUBLISHER} openness audit",
        ),
        ExternalReference(
            type=ExternalReferenceType.COMPONENT_ANALYSIS_REPORT,
            url=XsUri(found.api_url),
            comment=f"{PUBLISHER} API (JSON)",
        ),
    ]
    if project.homepage:
        references.append(
            ExternalReference(type=ExternalReferenceType.WEBSITE, url=XsUri(project.homepage))
        )
    if source is not None:
        references.append(
            ExternalReference(
                type=ExternalReferenceType.DISTRIBUTION,
                url=XsUri(source.url),
                comment="Hugging Face Hub",
            )
        )
        if "model-card" in source.serves:
            references.append(
                ExternalReference(type=ExternalReferenceType.MODEL_CARD, url=XsUri(source.url))
            )
    references.extend(
        ExternalReference(
            type=ExternalReferenceType.DOCUMENTATION, url=XsUri(paper.url), comment=paper.labels
        )
        for paper in found.papers
    )
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref="model",
        name=project.name,
        version=source.revision if source and source.revision else None,
        description=project.summary,
        supplier=supplier,
        purl=_hub_purl(source) if source else None,
        licenses=_cdx_licenses(source),
        external_references=references,
        properties=[Property(name=fact.name, value=fact.value) for fact in verdict_facts(found)],
    )


def _cdx_dataset(dataset: Source) -> Component:
    return Component(
        type=ComponentType.DATA,
        bom_ref=f"dataset:{dataset.locator}",
        name=dataset.locator,
        version=dataset.revision or None,
        licenses=_cdx_licenses(dataset),
        external_references=[
            ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(dataset.url))
        ],
        properties=_cdx_source_properties(dataset),
    )


def _cdx_code(code: Source) -> Component:
    owner, _, name = code.locator.partition("/")
    return Component(
        type=ComponentType.LIBRARY,
        bom_ref=f"code:{code.locator}",
        name=code.locator,
        purl=PackageURL("github", owner, name),
        licenses=_cdx_licenses(code),
        external_references=[
            ExternalReference(type=ExternalReferenceType.VCS, url=XsUri(code.url))
        ],
        properties=_cdx_source_properties(code),
    )


def _cdx_source_properties(source: Source) -> list[Property]:
    return [
        Property(name="glasshouse:origin", value="record" if source.from_record else "audit"),
        Property(name="glasshouse:serves", value=",".join(source.serves)),
    ]


def _cdx_licenses(source: Source | None) -> list[CdxLicense]:
    """The audit's conclusion when there is one, else the record's declaration."""
    if source is None:
        return []
    if source.concluded_license:
        return [_cdx_license(source.concluded_license, LicenseAcknowledgement.CONCLUDED)]
    if source.declared_license:
        return [_cdx_license(source.declared_license, LicenseAcknowledgement.DECLARED)]
    return []


def _cdx_license(expression: str, acknowledgement: LicenseAcknowledgement) -> CdxLicense:
    factory = LicenseFactory()
    try:
        return factory.make_with_id(expression, acknowledgement=acknowledgement)
    except InvalidSpdxLicenseException:
        pass
    if licenses.is_known(expression):
        # A single LicenseRef has no SPDX id; CycloneDX names it and links the ScanCode text.
        url = _license_url(expression)
        return factory.make_with_name(
            expression, url=XsUri(url) if url else None, acknowledgement=acknowledgement
        )
    try:
        return factory.make_with_expression(expression, acknowledgement=acknowledgement)
    except InvalidLicenseExpressionException:
        return factory.make_with_name(expression, acknowledgement=acknowledgement)


def _add_model_card(component: dict[str, Any], found: Inventory) -> None:
    # cyclonedx-python-lib does not model `modelCard` yet (it is commented out in its Component),
    # so it is added to the serialized form; the tests validate the result against the schema.
    task, _, architecture = _model_config(found.model)
    parameters: dict[str, Any] = {}
    if task:
        parameters["task"] = task
    if architecture:
        parameters["modelArchitecture"] = architecture
    used = [
        d
        for d in found.datasets
        if _dataset_relationship(d) != spdx.RelationshipType.hasDocumentation
    ]
    if used:
        parameters["datasets"] = [{"ref": f"dataset:{d.locator}"} for d in used]
    if parameters:
        component["modelCard"] = {"modelParameters": parameters}
