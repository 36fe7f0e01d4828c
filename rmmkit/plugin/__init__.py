"""The plugin contract: the hook specification and the manager that loads plugins.

``spec`` is what a plugin implements (every hook, grouped by phase);
``manager`` builds a session's plugin manager and its name registries.
Plugin authors import ``hookimpl`` from :mod:`rmmkit` itself.
"""
