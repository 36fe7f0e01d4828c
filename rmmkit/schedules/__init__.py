"""Schedules: declared in a playbook's ``schedule:`` block, run by ``rmmkit scheduler run``.

Why a package: parsing (:mod:`.model`), next runs (:mod:`.rrules`), conflicts
(:mod:`.conflicts`), the catalog of scheduled playbooks (:mod:`.catalog`),
the scheduler loop (:mod:`.scheduler`), its one call into the runner
(:mod:`.launch`), cron/systemd export (:mod:`.export`) and the scan
configuration report (:mod:`.report`) each stay small.  See docs/schedules.md.
"""
