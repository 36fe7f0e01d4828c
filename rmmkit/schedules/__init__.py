"""Schedules: declared in a playbook's ``schedule:`` block, run by ``rmmkit scheduler run``.

Why a package: parsing (:mod:`.model`), next runs (:mod:`.rrules`), conflicts
(:mod:`.conflicts`), the catalog of scheduled playbooks (:mod:`.catalog`),
the scheduler loop (:mod:`.runner`), its one call into the runner
(:mod:`.launch`), cron/systemd export (:mod:`.export`) and the scan
configuration report (:mod:`.report`) each stay small.  See docs/schedules.md.
"""

from __future__ import annotations

from rmmkit.schedules.model import Schedule, parse_interval, parse_schedule
from rmmkit.schedules.rrules import next_runs, runs_between

__all__ = ["Schedule", "next_runs", "parse_interval", "parse_schedule", "runs_between"]
