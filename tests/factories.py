"""factory_boy factories for the catalogue's models."""

import factory
from django.contrib.auth.models import Group, Permission, User

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


def make_moderator(username: str = "moderator", **fields: object) -> User:
    """A user in the moderators group; the group is made again if a test flush removed it."""
    group, _ = Group.objects.get_or_create(name="moderators")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="registry", codename="moderate")
    )
    user = User.objects.create_user(username, **fields)
    user.groups.add(group)
    return user
