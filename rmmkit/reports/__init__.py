"""Reports: one module per report, each a query plus the columns it returns.

Why one layer: the command line, playbook outputs and the portal must show
the same rows with the same column names; each front end only renders a
:class:`rmmkit.reports.base.Table` (see :mod:`rmmkit.reports.render`).
"""
