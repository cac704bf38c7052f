"""Admin for the catalogue: organizations, projects with their artifacts, licenses."""

from django.contrib import admin
from django.db import models

from registry.models import (
    Artifact,
    DiscoveredArtifact,
    License,
    Organization,
    Project,
    WorkerHeartbeat,
)

# Addresses typed without a scheme are web pages: assume https (Django 6's default).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "slug", "homepage"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ArtifactInline(admin.TabularInline):
    model = Artifact
    extra = 0
    autocomplete_fields = ["declared_license"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = [
        "name",
        "slug",
        "kind",
        "organization",
        "family",
        "review_state",
        "next_audit_at",
    ]
    list_filter = ["kind", "review_state", "organization"]
    search_fields = ["name", "slug", "family", "organization__name"]
    list_select_related = ["organization"]
    readonly_fields = ["catalogue_file", "record_hash", "created_at", "updated_at"]
    inlines = [ArtifactInline]


@admin.register(DiscoveredArtifact)
class DiscoveredArtifactAdmin(admin.ModelAdmin):
    list_display = ["project", "source", "locator", "role", "review", "still_found"]
    list_filter = ["review", "source", "still_found"]
    search_fields = ["locator", "project__slug"]
    readonly_fields = ["found", "first_seen_at", "last_seen_at", "reviewed_by", "reviewed_at"]


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["id", "name", "category", "osi_approved", "fsf_libre", "spdx"]
    list_filter = ["category", "osi_approved", "fsf_libre", "spdx"]
    search_fields = ["id", "name"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "hostname", "seen_at"]
