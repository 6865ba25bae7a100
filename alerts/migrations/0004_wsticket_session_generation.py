from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("alerts", "0003_alert_groups_and_resolution")]

    operations = [
        migrations.AddField(
            model_name="wsticket",
            name="session_generation",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
