"""Seed the channel catalogue with sensible defaults (English names; they are shown in
the reader's language until someone renames them: see kam/engagement/catalogue.py)."""

from decimal import Decimal

from django.db import migrations

# Frozen copy of kam.engagement.catalogue.SEEDED_CHANNELS as it was when seeded.
CHANNELS = (
    ("visit", "Visit", "visit", Decimal("400.00")),
    ("mailing", "Mailing with offers", "mailing", Decimal("12.00")),
    ("emailing", "Emailing", "emailing", Decimal("1.50")),
    ("social", "Social community", "social", Decimal("30.00")),
    ("phone", "Phone call", "phone", Decimal("45.00")),
    ("event", "Event", "event", Decimal("250.00")),
    ("webinar", "Webinar", "webinar", Decimal("60.00")),
)


def seed(apps, schema_editor):
    channel = apps.get_model("engagement", "Channel")
    for code, name, kind, cost in CHANNELS:
        channel.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "unit_cost": cost}
        )


def unseed(apps, schema_editor):
    channel = apps.get_model("engagement", "Channel")
    # Only the untouched, unused ones: a channel with history is PROTECTed anyway.
    for code, name, _kind, _cost in CHANNELS:
        channel.objects.filter(
            code=code, name=name, activities__isnull=True, plan_items__isnull=True
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
