"""Sphinx extension: write each page's <script> tags once.

sphinx-thebe 0.3.1 adds its inline configuration (``const THEBE_JS_URL = ...``) on every
``env-before-read-docs``; when Sphinx 7.4 fires that more than once in a build, the page gets the
same inline script twice (file name ``None`` once, ``""`` once) and the browser stops at
``Identifier 'THEBE_JS_URL' has already been declared``. This drops repeated scripts (same file,
same attributes and body), keeping the first.
"""


def _unique_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        name = getattr(script, "filename", None) or ""  # an inline script: None or ""
        key = (name, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def setup(app):
    app.connect("html-page-context", _unique_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
