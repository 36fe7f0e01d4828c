"""Can ``samba-tool domain provision`` work here?  Asks Samba itself, in ~0.1 s.

Run by Debian's ``/usr/bin/python3`` (Samba's Python bindings live in its
dist-packages, not in rmmkit's interpreter): ``python3 -I samba_dc_probe.py ROOT``.
Prints one ``debian-package<TAB>what is wrong`` line per problem, nothing when
all is well.  Why a probe on top of the file checks: it uses Samba's own
answers (its setup directory, its default AD schema, its ldb module
directory, its VFS module directory) and really loads the ``samba_secrets``
ldb module, the step that failed with "Module [samba_secrets] not found" on a
machine without samba-dsdb-modules.  ROOT re-roots Samba's directories (``/`` on a real run).
Standard library and Samba only: this file never imports rmmkit.
"""

import os
import sys
import tempfile

ROOT = sys.argv[1] if len(sys.argv) > 1 else "/"


def report(package, detail):
    print(f"{package}\t{detail}")


def rebase(path):
    return os.path.join(ROOT, path.lstrip("/"))


def main():
    try:
        import ldb
        import samba
        import samba.dsdb  # the C module provision needs
        import samba.param
        from samba.schema import Schema
    except ImportError as exc:
        report(
            "python3-samba",
            f"samba-tool cannot provision: /usr/bin/python3 cannot import {exc.name}",
        )
        return
    setup = rebase(samba.param.setup_dir())
    schema = Schema.base_schemas[Schema.default_base_schema()]
    for name in ("provision.ldif", f"ad-schema/{schema[0]}", f"ad-schema/{schema[1]}"):
        if not os.path.exists(os.path.join(setup, name)):
            report("samba-ad-provision", f"samba-tool cannot provision: {setup}/{name} missing")
            break  # one line per package: the rest comes with it
    vfs = rebase(os.path.join(samba.param.modules_dir(), "vfs", "acl_xattr.so"))
    if not os.path.exists(vfs):  # provision sets the sysvol ACLs through it
        report("samba-vfs-modules", f"samba-tool cannot set the sysvol ACLs: {vfs} missing")
    modules = os.path.join(samba.param.modules_dir(), "ldb")
    secrets = rebase(os.path.join(modules, "samba_secrets.so"))
    if not os.path.exists(secrets):
        report(
            "samba-dsdb-modules",
            f"samba cannot load its ldb module samba_secrets: {secrets} missing",
        )
    elif ROOT == "/" and not can_load(ldb, samba, modules, "samba_secrets"):
        # ldb also searches its built-in paths, so only a run on / can really load it
        report(
            "samba-dsdb-modules", f"samba cannot load its ldb module samba_secrets from {modules}"
        )


def can_load(ldb, samba, modules, name):
    """Open an ldb file whose @MODULES names ``name``: what provision's secrets.ldb does."""
    with tempfile.TemporaryDirectory(prefix="rmmkit-doctor-") as tmp:
        url = os.path.join(tmp, "probe.ldb")
        db = samba.Ldb(url, modules_dir=modules)
        db.add({"dn": "@MODULES", "@LIST": name})
        del db
        try:
            samba.Ldb(url, modules_dir=modules)
        except ldb.LdbError:
            return False
    return True


if __name__ == "__main__":
    # ldb's own "Module [...] not found" warning goes to fd 2; our lines are the report.
    sys.stderr.flush()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    main()
