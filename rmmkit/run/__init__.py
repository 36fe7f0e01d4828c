"""Running a playbook: options, the compiled plan, the per-host job, the runner, the session.

Why one package: a run is one pipeline stage, declared state in and results
out (to outputs, hooks and the store); the CLI, the scheduler and
``rmmkit.testing`` start runs through :mod:`.start` and share everything else.
"""
