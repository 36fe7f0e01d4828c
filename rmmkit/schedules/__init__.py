"""Schedules: declared in a playbook's ``schedule:`` block, run by ``rmmkit scheduler run``.

Why a package: the schedule's shape is declared state
(:mod:`rmmkit.declared.schedule`); this package is what is done with it:
next runs (:mod:`.rrules`), conflicts (:mod:`.conflicts`), the catalog of
scheduled playbooks (:mod:`.catalog`), the scheduler loop (:mod:`.scheduler`),
its one call into the runner (:mod:`.launch`) and cron/systemd export
(:mod:`.export`), each small.  The scan configuration report is
:mod:`rmmkit.reports.scan_config`.  See docs/schedules.md.
"""
