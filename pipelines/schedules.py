"""The monthly refresh: SESNSP publishes its municipal crime incidence and victims around the 20th
of each month, so the whole pipeline reruns on the 21st (Mexico City time) once the new files have
been dropped into the landing folder. Stopped by default: turn it on in the UI (Automation)."""
from __future__ import annotations

import dagster as dg

MONTHLY_CRON = "0 7 21 * *"
TIMEZONE = "America/Mexico_City"

monthly_refresh = dg.ScheduleDefinition(
    name="monthly_refresh",
    job_name="refresh_all",
    cron_schedule=MONTHLY_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Monthly full refresh after the SESNSP release (21st, 07:00 Mexico City): ingest, models, "
                "checks, evaluations, site.",
    tags={"bicentennial/trigger": "monthly_refresh"},
)
