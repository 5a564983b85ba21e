"""Existing results under the corrections model (migration 0005): the result run's regions (the
newest run that succeeded, else the newest) stay the page's regions, edits included; every
run's regions are copied to RunPage as its own reading; the other runs' region rows go."""

from django.db import migrations


def _readings_per_run(apps, schema_editor):
    Input = apps.get_model("ocr", "Input")
    Page = apps.get_model("ocr", "Page")
    Region = apps.get_model("ocr", "Region")
    RunPage = apps.get_model("ocr", "RunPage")
    for item in Input.objects.all().iterator():
        runs = list(item.runs.order_by("-created", "-id"))
        if not runs:
            continue
        result = next((r for r in runs if r.status == "succeeded"), runs[0])
        for run in runs:
            if RunPage.objects.filter(run=run).exists():
                continue  # moved already (an earlier version of 0005 did this step)
            pages: dict[int, list[dict]] = {}
            for region in Region.objects.filter(run=run).order_by("page_id", "order"):
                pages.setdefault(region.page_id, []).append(
                    {
                        "polygon": region.polygon,
                        "text": region.text,
                        "score": region.score,
                        "detection_score": region.detection_score,
                        "source": region.source,
                    }
                )
            RunPage.objects.bulk_create(
                RunPage(run=run, page_id=page_id, regions=regions)
                for page_id, regions in pages.items()
            )
            if run.pk != result.pk:
                Region.objects.filter(run=run).delete()
            else:
                Page.objects.filter(pk__in=list(pages)).update(run=run)


class Migration(migrations.Migration):
    dependencies = [
        ("ocr", "0005_corrections"),
    ]

    operations = [
        migrations.RunPython(_readings_per_run, migrations.RunPython.noop),
    ]
