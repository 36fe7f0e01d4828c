"""The one place the scheduler calls the runner: run a scheduled playbook now.

Why one small function: the scheduler only needs "run this entry, stop when
asked, tell me ok / failed / locked / interrupted"; everything else is the
run package's (session, host selection, outputs, the runner).
The runner takes the per-site lock itself (``Store.site_lock``), so a
scheduled scan and a manual ``rmmkit run`` of the same site never overlap.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from rmmkit.errors import InputError, LockedError, RmmkitError

from .catalog import Entry

log = logging.getLogger("rmmkit.scheduler")


def run_entry(
    entry: Entry, cancel: threading.Event, *, project_dir: Path, db_url: str | None
) -> str:
    """Run ``entry``'s playbook once; the status for ``finish_schedule_run``.

    ``ok`` / ``failed`` (some host failed) / ``interrupted`` (``cancel`` was
    set) / ``locked`` (another run holds one of its sites) / ``error``.
    Outputs the playbook declares for stdout are discarded (a daemon has no
    reader); file outputs and the store get everything.
    """
    from rmmkit.run.options import RunOptions
    from rmmkit.run.runner import Runner
    from rmmkit.run.session import Session
    from rmmkit.run.start import open_outputs, select_run_hosts

    try:
        session = Session.create(
            inventory=entry.inventory, db_url=db_url, use_store=True, project_dir=project_dir
        )
    except RmmkitError as exc:
        log.error("schedule %s: cannot open a session: %s", entry.id, exc)
        return "error"
    playbook, options = entry.playbook, RunOptions()
    try:
        with (
            open(os.devnull, "w", encoding="utf-8") as sink,
            open_outputs(session, list(playbook.outputs), sink) as outputs,
        ):
            runner = Runner(
                session,
                playbook,
                select_run_hosts(session, playbook, []),
                options,
                outputs,
                refresh_hosts=lambda: select_run_hosts(session, playbook, []),
            )
            threading.Thread(
                target=lambda: cancel.wait() and runner.stop(), daemon=True, name="rmmkit-cancel"
            ).start()
            result = runner.run()
        if result.interrupted:
            return "interrupted"
        return "failed" if result.failed_hosts else "ok"
    except LockedError as exc:
        log.warning("schedule %s: not started: %s", entry.id, exc)
        return "locked"
    except InputError as exc:
        log.error("schedule %s: invalid playbook: %s", entry.id, exc)
        return "error"
    except RmmkitError as exc:
        log.error("schedule %s: run failed: %s", entry.id, exc)
        return "error"
    finally:
        cancel.set()  # releases the watcher thread
        session.close()
