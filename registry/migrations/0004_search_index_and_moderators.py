"""PostgreSQL-only GIN index for full-text search, and the moderators group."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GIN_INDEX = "CREATE INDEX IF NOT EXISTS registry_project_search_gin ON registry_project USING gin (search_vector)"
DROP_GIN_INDEX = "DROP INDEX IF EXISTS registry_project_search_gin"


def create_gin_index(apps, schema_editor):
    # SQLite has no GIN index and no tsvector; search falls back to substring matching there.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GIN_INDEX)


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_GIN_INDEX)


def create_moderators(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs its one now.
    registry = apps.get_app_config("registry")
    registry.models_module = True
    create_permissions(registry, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="moderators")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="registry", codename="moderate")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_project_verdict_fields_and_search"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_gin_index, drop_gin_index),
        migrations.RunPython(create_moderators, migrations.RunPython.noop),
    ]
