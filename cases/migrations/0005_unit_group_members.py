"""Put every active user in their unit's group: membership was added on reads until now
and is kept on save from here on (cases.access.sync_unit_membership)."""

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Group = apps.get_model("auth", "Group")
    for user in User.objects.filter(is_active=True).exclude(unit=""):
        group, _ = Group.objects.get_or_create(name=f"unit:{user.unit}"[:150])
        user.groups.add(group)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_handling_sources"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
