"""Atom feeds of verdict changes: the whole catalogue, one project, one organization."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import urlencode

from audits.models import Change
from registry.models import Organization, Project

FEED_LENGTH = 50
AUTHOR = "Glasshouse"


def change_anchor(change: Change) -> str:
    """The fragment that names one change in its project's history."""
    return f"change-{change.pk}"


class ChangeFeed(Feed):
    """What every change feed shares: Atom, one entry per Change, newest first."""

    feed_type = Atom1Feed
    author_name = AUTHOR

    def changes(self) -> QuerySet[Change]:
        """Changes of listed projects, with the project each entry links to."""
        return Change.objects.filter(
            project__review_state=Project.ReviewState.LISTED
        ).select_related("project")

    def item_title(self, item: Change) -> str:
        # Atom titles are plain text and the generator escapes them; escaping here as the base
        # class does would show "&amp;" to readers.
        return item.summary

    def item_description(self, item: Change) -> str:
        # Atom1Feed writes the description as a summary of type "html".
        return escape(f"{item.project.name}: {item.summary}")

    def item_link(self, item: Change) -> str:
        return f"{item.project.get_absolute_url()}#{change_anchor(item)}"

    def item_guid(self, item: Change) -> str:
        # A tag URI that does not depend on the host serving the feed, so readers see one entry
        # whether they subscribed through 127.0.0.1 or the public name.
        return f"tag:glasshouse,{item.created_at:%Y-%m-%d}:change/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Change) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Change) -> datetime:
        return item.created_at

    def item_author_name(self, item: Change) -> str:
        return AUTHOR

    def item_categories(self, item: Change) -> tuple[str, ...]:
        return (item.get_kind_display(),)


class LatestChanges(ChangeFeed):
    """The latest changes across the catalogue."""

    title = "Glasshouse: latest changes"
    subtitle = "Every difference between two audits of a listed project, newest first."

    def link(self) -> str:
        return reverse("catalogue")

    def items(self) -> QuerySet[Change]:
        return self.changes()[:FEED_LENGTH]


class ProjectChanges(ChangeFeed):
    """The changes of one listed project."""

    def get_object(self, request: HttpRequest, slug: str) -> Project:
        return get_object_or_404(Project.objects.listed(), slug=slug)

    def title(self, obj: Project) -> str:
        return f"Glasshouse: changes to {obj.name}"

    def subtitle(self, obj: Project) -> str:
        return f"Every difference between two audits of {obj.name}, newest first."

    def link(self, obj: Project) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Project) -> QuerySet[Change]:
        return self.changes().filter(project=obj)[:FEED_LENGTH]


class OrganizationChanges(ChangeFeed):
    """The changes of one organization's listed projects."""

    def get_object(self, request: HttpRequest, slug: str) -> Organization:
        return get_object_or_404(Organization, slug=slug)

    def title(self, obj: Organization) -> str:
        return f"Glasshouse: changes to projects by {obj.name}"

    def subtitle(self, obj: Organization) -> str:
        return f"Every difference between two audits of a project by {obj.name}, newest first."

    def link(self, obj: Organization) -> str:
        # The catalogue has no organization page; its search finds the organization's projects.
        return f"{reverse('catalogue')}?{urlencode({'q': obj.name})}"

    def items(self, obj: Organization) -> QuerySet[Change]:
        return self.changes().filter(project__organization=obj)[:FEED_LENGTH]
