"""The clinic's own time: times are stored in UTC and shown in the clinic's time zone."""
from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from flask import Flask
from flask_login import current_user

DEFAULT_TIME_ZONE = "Europe/London"
SHOWN = "%-d %B %Y, %H:%M"


@functools.lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """IANA names a clinic can choose ("Europe/London"), without the aliases tzdata also ships
    ("GB", "Etc/GMT+3", "posixrules"), which only confuse a list people scroll through."""
    return tuple(sorted(name for name in zoneinfo.available_timezones()
                        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix", "right/"))))


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)  # a zone removed from tzdata since it was chosen


def local(moment: dt.datetime, zone_name: str | None) -> dt.datetime:
    """A stored (naive UTC) time as the clinic's wall-clock time, with its zone attached."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(zone(zone_name))


def today(zone_name: str | None) -> dt.date:
    return dt.datetime.now(zone(zone_name)).date()


def shown(moment: dt.datetime | None, zone_name: str | None, fmt: str = SHOWN) -> str:
    """e.g. "1 December 2026, 09:30 GMT": the zone's abbreviation says which clock it is."""
    if moment is None:
        return ""
    there = local(moment, zone_name)
    return f"{there.strftime(fmt)} {there.strftime('%Z')}" if "%H" in fmt else there.strftime(fmt)


def signed_in_zone() -> str:
    # No user outside a request (the command line builds forms for the FHIR export, too).
    return current_user.clinic.time_zone if getattr(current_user, "is_authenticated", False) else DEFAULT_TIME_ZONE


def clinic_today() -> dt.date:
    """Today on the signed-in clinic's clock: the day a clinician in Auckland or Honolulu calls
    today, not the server's (UTC) day. Dates typed into the steps are checked against it."""
    return today(signed_in_zone())


def init_app(app: Flask) -> None:
    # Pages show stored times through this filter: {{ entry.at | clinic_time }}.
    app.add_template_filter(lambda moment, fmt=SHOWN: shown(moment, signed_in_zone(), fmt), "clinic_time")
    app.add_template_global(signed_in_zone, "clinic_time_zone")
