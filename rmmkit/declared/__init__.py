"""Declared state: YAML from git → schema → checks → frozen models, and what they resolve to.

Why one package: everything a user writes (inventories, playbooks, schedule
blocks) is read, checked and located (file:line:column) here, and nothing
here runs anything.  :mod:`.loader` is the one entry point; :mod:`.resolve`
and :mod:`.selection` say what applies to a host and which hosts a playbook
covers; :mod:`.scope` decides whether an address may be touched.
"""
