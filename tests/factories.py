"""factory_boy factories for the catalogue's models."""

import factory

from registry.models import Artifact, Organization, Project


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Lab {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    slug = factory.Sequence(lambda n: f"model-{n}.1b")
    name = factory.Sequence(lambda n: f"Model {n}")
    kind = "language-model"
    organization = factory.SubFactory(OrganizationFactory)
    summary = "A model for tests."


class ArtifactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artifact

    project = factory.SubFactory(ProjectFactory)
    source = "hf-model"
    locator = factory.Sequence(lambda n: f"lab/model-{n}")
    serves = ["final-weights", "model-card", "model-metadata"]
