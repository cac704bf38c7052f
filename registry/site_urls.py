"""Routes of the feeds, badges, license pages and methodology, included at the site's root."""

from django.urls import path, re_path

from registry import badges, feeds, site_pages
from registry.models import SLUG_PATTERN

urlpatterns = [
    path("feeds/changes/", feeds.LatestChanges(), name="changes-feed"),
    re_path(
        rf"^projects/(?P<slug>{SLUG_PATTERN})/feed/$", feeds.ProjectChanges(), name="project-feed"
    ),
    path("organizations/<slug:slug>/feed/", feeds.OrganizationChanges(), name="organization-feed"),
    # Any name: a badge URL that names no listed project gets a plain 404, never the HTML page.
    re_path(r"^badge/(?P<slug>[^/]+)\.svg$", badges.badge, name="project-badge"),
    path("licenses/", site_pages.license_list, name="license-list"),
    # License ids hold dots and "+" (GPL-2.0+, LicenseRef-scancode-llama-2-license-2023); never
    # NUL, which PostgreSQL refuses in text.
    re_path(
        r"^licenses/(?P<license_id>[^/\x00]+)/$", site_pages.license_detail, name="license-detail"
    ),
    path("methodology/", site_pages.methodology, name="methodology"),
    path("methodology/agreement/", site_pages.agreement, name="methodology-agreement"),
]
