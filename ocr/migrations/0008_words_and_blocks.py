"""Word boxes on regions and blocks on pages (issue 14): the engine reads Page > Block > Line >
Word now. Both nullable without a default, so SQLite adds the columns with ALTER TABLE instead
of rebuilding ocr_region (a rebuild would drop the FTS triggers of 0003)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ocr", "0007_run_chunks")]

    operations = [
        migrations.AddField(
            model_name="page",
            name="blocks",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="region",
            name="words",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
