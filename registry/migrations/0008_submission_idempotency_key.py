from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0007_discovered_locator_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='submission',
            name='idempotency_key',
            field=models.CharField(blank=True, editable=False, help_text="The client's Idempotency-Key: a retry with it answers this submission.", max_length=200),
        ),
        migrations.AddConstraint(
            model_name='submission',
            constraint=models.UniqueConstraint(condition=models.Q(('idempotency_key', ''), _negated=True), fields=('idempotency_key',), name='one_submission_per_idempotency_key'),
        ),
    ]
