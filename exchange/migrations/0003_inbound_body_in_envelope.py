"""A received message's body is stored once, inside its envelope.

The `body` column repeated `envelope.body` (InboundMessage.body is now a property over
the envelope): one JSON value less to encode, store and parse per message. Reversible:
going back re-adds the column and fills it from the envelopes.
"""

from django.db import migrations, models


def _restore_bodies(apps, schema_editor):
    inbound = apps.get_model("exchange", "InboundMessage")
    for message in inbound.objects.only("id", "envelope").iterator():
        inbound.objects.filter(pk=message.pk).update(body=message.envelope["body"])


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0002_inbound_unfinished_index"),
    ]

    operations = [
        # A default only so that going back can add the column to a filled table.
        migrations.AlterField(
            model_name="inboundmessage", name="body", field=models.JSONField(default=dict)
        ),
        migrations.RunPython(migrations.RunPython.noop, _restore_bodies),
        migrations.RemoveField(model_name="inboundmessage", name="body"),
    ]
