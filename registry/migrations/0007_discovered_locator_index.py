from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0006_discovery'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='discoveredartifact',
            index=models.Index(fields=['source', 'locator'], name='discovered_locator_idx'),
        ),
    ]
